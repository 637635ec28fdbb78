package io.rapport.core.security;

import java.util.Locale;

/** What a user may do within their tenant. Each role includes the ones below it. */
public enum Role {
    /** Reads customers, timelines and KPIs. */
    VIEWER,
    /** Also changes customers, segments, journeys and messages. */
    MARKETER,
    /** Also manages users, API keys, plugins and settings. */
    ADMIN;

    public boolean includes(Role other) {
        return ordinal() >= other.ordinal();
    }

    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @return the role named {@code key} (any case), or null */
    public static Role ofKey(String key) {
        for (Role r : values()) {
            if (r.name().equalsIgnoreCase(key)) {
                return r;
            }
        }
        return null;
    }
}
