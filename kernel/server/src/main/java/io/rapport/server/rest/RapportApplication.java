package io.rapport.server.rest;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;
import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.info.Info;
import org.eclipse.microprofile.openapi.annotations.info.License;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;
import org.eclipse.microprofile.openapi.annotations.security.SecuritySchemes;

/** The REST API: everything under {@code /api}; version 1 under {@code /api/v1}. */
@ApplicationPath("/api")
@OpenAPIDefinition(info = @Info(title = "Rapport API", version = "1", description = "Customer profiles, events and administration.",
        license = @License(name = "Apache-2.0")))
@SecuritySchemes({
        @SecurityScheme(securitySchemeName = "user", type = SecuritySchemeType.HTTP, scheme = "basic"),
        @SecurityScheme(securitySchemeName = "apiKey", type = SecuritySchemeType.HTTP, scheme = "bearer", description = "A tenant API key, rpk_...")})
public class RapportApplication extends Application {
}
