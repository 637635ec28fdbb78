package io.rapport.plugin.kpi.surveys;

import io.rapport.spi.kpi.KpiModule;
import org.osgi.service.component.annotations.Component;

/** {@link CustomerEffort} on the 1–5 scale: {@code ces_5}. */
@Component(service = KpiModule.class)
public final class CustomerEffort5 extends CustomerEffort {

    static final Definition DEFINITION = definition(5);

    public CustomerEffort5() {
        super(5);
    }

    @Override
    public Definition definition() {
        return DEFINITION;
    }
}
