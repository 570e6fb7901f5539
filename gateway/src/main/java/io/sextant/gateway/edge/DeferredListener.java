package io.sextant.gateway.edge;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import io.grpc.ServerCall;

/**
 * The listener of a call whose start waits for something (a rate limit check in PostgreSQL): what
 * arrives before {@link #start} is kept and replayed, in order, to the real listener. Only a few
 * events can arrive early (half-close, cancel, ready), since no message is requested before the call
 * starts, so the backlog stays tiny.
 */
final class DeferredListener<Q> extends ServerCall.Listener<Q> {

    private final List<Consumer<ServerCall.Listener<Q>>> early = new ArrayList<>();
    private ServerCall.Listener<Q> delegate;

    /** Hands every event, those kept so far first, to the call's real listener. */
    synchronized void start(ServerCall.Listener<Q> listener) {
        delegate = listener;
        early.forEach(event -> event.accept(listener));
        early.clear();
    }

    private synchronized void dispatch(Consumer<ServerCall.Listener<Q>> event) {
        if (delegate != null) {
            event.accept(delegate);
        } else {
            early.add(event);
        }
    }

    @Override
    public void onMessage(Q message) {
        dispatch(listener -> listener.onMessage(message));
    }

    @Override
    public void onHalfClose() {
        dispatch(ServerCall.Listener::onHalfClose);
    }

    @Override
    public void onCancel() {
        dispatch(ServerCall.Listener::onCancel);
    }

    @Override
    public void onComplete() {
        dispatch(ServerCall.Listener::onComplete);
    }

    @Override
    public void onReady() {
        dispatch(ServerCall.Listener::onReady);
    }
}
