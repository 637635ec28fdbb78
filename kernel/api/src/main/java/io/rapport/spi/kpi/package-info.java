/**
 * Key performance indicators as plugins: a {@link io.rapport.spi.kpi.KpiModule} registered as an OSGi service
 * computes one KPI for a period from the aggregates the kernel offers ({@link io.rapport.spi.kpi.KpiData}); the
 * kernel schedules the computations, stores the values as daily, weekly and monthly series per shop, recomputes
 * periods that late data changed, and serves them at {@code /api/v1/kpis}. Since 0.2 the aggregates include a cohort
 * retention table ({@link io.rapport.spi.kpi.KpiData#cohorts}); since 0.3 the
 * {@link io.rapport.spi.kpi.KpiData#totals} of a window in one pass.
 *
 * @since 0.1
 */
@Export
@Version("0.3.0")
package io.rapport.spi.kpi;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
