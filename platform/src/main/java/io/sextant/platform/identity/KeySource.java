package io.sextant.platform.identity;

import java.security.interfaces.RSAPublicKey;

/** Where a verifier finds the public key of a {@code kid}. */
public interface KeySource {

    /**
     * The key with this id, or null if there is none even after asking the issuer again (which an
     * implementation does at most once per short interval, so forged {@code kid}s cannot flood it).
     */
    RSAPublicKey find(String kid);
}
