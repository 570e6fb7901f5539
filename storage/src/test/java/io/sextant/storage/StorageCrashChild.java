package io.sextant.storage;

import java.security.KeyFactory;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.util.Base64;

import io.sextant.platform.config.Env;
import io.sextant.platform.identity.RevocationSet;
import io.sextant.platform.identity.TokenVerifier;

/**
 * The storage service in a process of its own, for {@link CrashIT} to kill: as {@link StorageMain},
 * but trusting the test key given in TEST_KEY_ID and TEST_PUBLIC_KEY (X.509, base64).
 */
public final class StorageCrashChild {

    private StorageCrashChild() {}

    public static void main(String[] args) throws Exception {
        final String kid = System.getenv("TEST_KEY_ID");
        final RSAPublicKey key = (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(
                new X509EncodedKeySpec(Base64.getDecoder().decode(System.getenv("TEST_PUBLIC_KEY"))));
        final Clock clock = Clock.systemUTC();
        final TokenVerifier verifier = new TokenVerifier(id -> id.equals(kid) ? key : null, new RevocationSet(clock), clock);
        StorageServer.newServer(StorageServer.readConfig(Env.system()), verifier).start();
        System.out.println("STORAGE CHILD READY");
        Thread.currentThread().join();
    }
}
