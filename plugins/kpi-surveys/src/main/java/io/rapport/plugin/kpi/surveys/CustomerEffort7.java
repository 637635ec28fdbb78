package io.rapport.plugin.kpi.surveys;

import io.rapport.spi.kpi.KpiModule;
import org.osgi.service.component.annotations.Component;

/** {@link CustomerEffort} on the 1–7 scale: {@code ces_7}. */
@Component(service = KpiModule.class)
public final class CustomerEffort7 extends CustomerEffort {

    static final Definition DEFINITION = definition(7);

    public CustomerEffort7() {
        super(7);
    }

    @Override
    public Definition definition() {
        return DEFINITION;
    }
}
