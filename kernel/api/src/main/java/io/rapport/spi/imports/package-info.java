/**
 * What import connectors offer beside reading their jobs: {@link io.rapport.spi.imports.ImportFormat}, a preview of
 * a file before it is imported, registered as an OSGi service with {@link io.rapport.spi.imports.ImportFormat#FORMAT}.
 *
 * @since 0.1
 */
@Export
@Version("0.1.0")
package io.rapport.spi.imports;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
