package io.sextant.platform.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import com.google.protobuf.Descriptors.MethodDescriptor;

import io.sextant.auth.v1.AuthServiceProto;
import io.sextant.storage.v1.StorageServiceProto;
import io.sextant.users.v1.UsersServiceProto;

class TargetRetriesTest {

    @Test
    void getMethodsAreIdempotentAndTheOthersAreNot() {
        assertThat(TargetRetries.isIdempotent(users("ListUsers"))).isTrue();
        assertThat(TargetRetries.isIdempotent(users("GetUser"))).isTrue();
        assertThat(TargetRetries.isIdempotent(auth("GetJwks"))).isTrue();
        assertThat(TargetRetries.isIdempotent(storage("DownloadFile"))).isTrue();

        assertThat(TargetRetries.isIdempotent(users("CreateUser"))).isFalse();
        assertThat(TargetRetries.isIdempotent(users("UpdateUser"))).isFalse();
        assertThat(TargetRetries.isIdempotent(users("DeleteUser"))).isFalse();
        assertThat(TargetRetries.isIdempotent(auth("Login"))).isFalse();
        // no HTTP rule: internal to the mesh, never forwarded, never retried
        assertThat(TargetRetries.isIdempotent(auth("RotateSigningKey"))).isFalse();
    }

    @Test
    void internalMethodsSayInTheirContractWhenTheyMayBeSentTwice() {
        // no HTTP rule, but an idempotency_level: auth's calls to users are retried as the gateway's are
        assertThat(TargetRetries.isIdempotent(users("GetUserGrants"))).isTrue();
        assertThat(TargetRetries.isIdempotent(users("ProvisionUser"))).isTrue();
    }

    private static MethodDescriptor users(String name) {
        return UsersServiceProto.getDescriptor().findServiceByName("UsersService").findMethodByName(name);
    }

    private static MethodDescriptor auth(String name) {
        return AuthServiceProto.getDescriptor().findServiceByName("AuthService").findMethodByName(name);
    }

    private static MethodDescriptor storage(String name) {
        return StorageServiceProto.getDescriptor().findServiceByName("StorageService").findMethodByName(name);
    }
}
