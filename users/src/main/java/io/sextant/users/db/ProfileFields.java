package io.sextant.users.db;

/**
 * The fields of a profile that its writers set (everything but the credentials, the roles and the
 * times). {@code metadata} is a JSON object of strings.
 */
public record ProfileFields(String firstName, String lastName, String displayName, String phone, String avatarFile,
                            String locale, String timeZone, String metadata, boolean active) {}
