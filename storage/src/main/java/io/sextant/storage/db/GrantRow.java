package io.sextant.storage.db;

import java.time.Instant;

/** A grant on a file or a folder: the user, the level (1 READ, 2 WRITE, 3 DELETE), who granted it and when. */
public record GrantRow(String userName, int accessLevel, String granter, Instant grantTime) {}
