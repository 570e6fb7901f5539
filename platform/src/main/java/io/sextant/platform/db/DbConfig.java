package io.sextant.platform.db;

/** How a service reaches its own PostgreSQL database. */
public record DbConfig(String url, String user, String password, int poolSize) {

    @Override
    public String toString() {
        // never print the password
        return "DbConfig[url=" + url + ", user=" + user + ", poolSize=" + poolSize + "]";
    }
}
