package io.sextant.gateway;

import java.util.concurrent.atomic.AtomicInteger;

import io.grpc.stub.StreamObserver;
import io.sextant.platform.error.Errors;
import io.sextant.users.v1.DeleteUserRequest;
import io.sextant.users.v1.DeleteUserResponse;
import io.sextant.users.v1.ListUsersRequest;
import io.sextant.users.v1.ListUsersResponse;
import io.sextant.users.v1.User;
import io.sextant.users.v1.UsersServiceGrpc;

/**
 * A stand-in for the users service that counts the calls it gets, for tests of retries and
 * deadlines: ListUsers (GET, idempotent) answers UNAVAILABLE while {@link #unavailableLeft} is
 * above zero and takes {@link #delayMillis} to answer; DeleteUser (DELETE, not idempotent for the
 * gateway) always answers UNAVAILABLE.
 */
final class TestUsersService extends UsersServiceGrpc.UsersServiceImplBase {

    final AtomicInteger listCalls = new AtomicInteger();
    final AtomicInteger deleteCalls = new AtomicInteger();
    /** How many of the next ListUsers calls answer UNAVAILABLE; negative: all of them. */
    final AtomicInteger unavailableLeft = new AtomicInteger();
    volatile long delayMillis;

    @Override
    public void listUsers(ListUsersRequest request, StreamObserver<ListUsersResponse> response) {
        listCalls.incrementAndGet();
        if (unavailableLeft.getAndUpdate(left -> left > 0 ? left - 1 : left) != 0) {
            throw Errors.unavailable("DATABASE_UNAVAILABLE", "the database is not reachable");
        }
        sleep(delayMillis);
        response.onNext(ListUsersResponse.newBuilder()
                                         .addUsers(User.newBuilder().setName("users/0f8fad5b-d9cb-469f-a165-70867728950e")
                                                       .setUsername("alice"))
                                         .build());
        response.onCompleted();
    }

    @Override
    public void deleteUser(DeleteUserRequest request, StreamObserver<DeleteUserResponse> response) {
        deleteCalls.incrementAndGet();
        throw Errors.unavailable("DATABASE_UNAVAILABLE", "the database is not reachable");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
