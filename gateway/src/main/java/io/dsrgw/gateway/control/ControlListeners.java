package io.dsrgw.gateway.control;

import io.dsrgw.gateway.dataplane.ForwardingSnapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Who hears about control-plane changes: reload listeners (every attempt, applied or rejected) and snapshot
 * listeners (every published snapshot: reloads, health changes, overrides, grace expiries), e.g. to make the VIP
 * routes follow the VIPs. A failing listener is logged and never stops the others or the change.
 *
 * <p>Listeners are called on the publishing thread (the control thread in production) while
 * {@link GatewayControl} is locked; they may be added from any thread.
 */
final class ControlListeners {
    private static final Logger LOG = LoggerFactory.getLogger(ControlListeners.class);

    private final List<Consumer<ReloadResult>> reload = new CopyOnWriteArrayList<>();
    private final List<Consumer<ForwardingSnapshot>> snapshot = new CopyOnWriteArrayList<>();
    private final List<Runnable> reloading = new CopyOnWriteArrayList<>();

    void onReloading(Runnable listener) {
        reloading.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Tells every reloading listener that a reload attempt starts. */
    void reloading() {
        for (Runnable l : reloading) {
            try {
                l.run();
            } catch (RuntimeException e) {
                LOG.error("reloading listener failed: {}", e.toString());
            }
        }
    }

    void onReload(Consumer<ReloadResult> listener) {
        reload.add(Objects.requireNonNull(listener, "listener"));
    }

    void onSnapshot(Consumer<ForwardingSnapshot> listener) {
        snapshot.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Tells every reload listener about {@code r}. */
    void reloaded(ReloadResult r) {
        for (Consumer<ReloadResult> l : reload) {
            try {
                l.accept(r);
            } catch (Throwable e) { // Errors too: a listener must not stop the control thread (issue 14)
                LOG.error("reload listener failed: {}", e.toString());
            }
        }
    }

    /** Tells every snapshot listener about the just-published {@code s}. */
    void published(ForwardingSnapshot s) {
        for (Consumer<ForwardingSnapshot> l : snapshot) {
            try {
                l.accept(s);
            } catch (Throwable e) { // Errors too: see above
                LOG.error("snapshot listener failed: {}", e.toString());
            }
        }
    }
}
