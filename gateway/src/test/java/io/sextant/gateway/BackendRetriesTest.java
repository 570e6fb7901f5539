package io.sextant.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import com.google.protobuf.Descriptors.MethodDescriptor;

import io.sextant.auth.v1.AuthServiceProto;
import io.sextant.storage.v1.StorageServiceProto;
import io.sextant.users.v1.UsersServiceProto;

class BackendRetriesTest {

    @Test
    void getMethodsAreIdempotentAndTheOthersAreNot() {
        assertThat(BackendRetries.isIdempotent(users("ListUsers"))).isTrue();
        assertThat(BackendRetries.isIdempotent(users("GetUser"))).isTrue();
        assertThat(BackendRetries.isIdempotent(auth("GetJwks"))).isTrue();
        assertThat(BackendRetries.isIdempotent(storage("DownloadFile"))).isTrue();

        assertThat(BackendRetries.isIdempotent(users("CreateUser"))).isFalse();
        assertThat(BackendRetries.isIdempotent(users("UpdateUser"))).isFalse();
        assertThat(BackendRetries.isIdempotent(users("DeleteUser"))).isFalse();
        assertThat(BackendRetries.isIdempotent(auth("Login"))).isFalse();
        // no HTTP rule: internal to the mesh, never forwarded, never retried
        assertThat(BackendRetries.isIdempotent(auth("RotateSigningKey"))).isFalse();
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
