package io.rapport.server.health;

import io.rapport.core.Kernel;
import io.rapport.server.KernelHolder;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;
import org.eclipse.microprofile.health.Startup;

/** Health of the kernel: started, database reachable, relay alive, outbox depth. */
public final class KernelHealth {

    private KernelHealth() {
    }

    static HealthCheckResponse check(KernelHolder holder, String name, boolean withDatabase) {
        HealthCheckResponseBuilder b = HealthCheckResponse.named(name);
        if (!holder.started()) {
            return b.down().withData("reason", "starting").build();
        }
        Kernel k = holder.kernel();
        boolean relay = k.relay().isRunning();
        b.withData("relay", relay ? "running" : "stopped").withData("projected", k.relay().projectedCount())
                .withData("failed", k.relay().failedCount()).withData("database", k.db().dialect().name());
        if (withDatabase) {
            try {
                b.withData("outbox", k.events().outboxDepth());
            } catch (RuntimeException e) {
                return b.down().withData("reason", "database unreachable: " + e.getMessage()).build();
            }
        }
        return b.status(relay).build();
    }

    @Readiness
    @ApplicationScoped
    public static class Ready implements HealthCheck {
        @Inject
        KernelHolder holder;

        @Override
        public HealthCheckResponse call() {
            return check(holder, "kernel", true);
        }
    }

    @Liveness
    @ApplicationScoped
    public static class Live implements HealthCheck {
        @Inject
        KernelHolder holder;

        @Override
        public HealthCheckResponse call() {
            return holder.started() ? check(holder, "kernel", false) : HealthCheckResponse.up("kernel");
        }
    }

    @Startup
    @ApplicationScoped
    public static class Started implements HealthCheck {
        @Inject
        KernelHolder holder;

        @Override
        public HealthCheckResponse call() {
            return HealthCheckResponse.named("kernel").status(holder.started()).build();
        }
    }
}
