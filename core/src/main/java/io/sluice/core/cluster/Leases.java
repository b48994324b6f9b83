package io.sluice.core.cluster;

import io.sluice.core.encoding.Decoder;
import io.sluice.core.encoding.Encoder;
import org.infinispan.Cache;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Named leases in the data grid: at most one holder each, for a limited time that the holder
 * renews. An entry's lifespan makes a lease lapse when its holder stops renewing (it died, or was
 * paused). Each acquisition gets an epoch one higher than any before, from a counter that never
 * lapses.
 */
public final class Leases {

    private static final String EPOCH_SUFFIX = "/epoch";

    /**
     * Who holds a lease.
     *
     * @param holder the holder's identity
     * @param epoch  the epoch of its acquisition
     */
    public record Holder(String holder, long epoch) {
        byte[] encode() {
            return new Encoder().str(holder).i64(epoch).toByteArray();
        }

        static Holder decode(byte[] bytes) {
            Decoder in = new Decoder(bytes);
            Holder h = new Holder(in.str(), in.i64());
            in.end();
            return h;
        }
    }

    private final Cache<String, byte[]> cache;

    Leases(Cache<String, byte[]> cache) {
        this.cache = cache;
    }

    /** @return the current holder of {@code lease}, if any */
    public Optional<Holder> holder(String lease) {
        return Optional.ofNullable(cache.get(lease)).map(Holder::decode);
    }

    /**
     * Takes {@code lease} if nobody holds it.
     *
     * @return the new holding, or empty if someone else holds the lease
     */
    public Optional<Holder> tryAcquire(String lease, String holder, Duration duration) {
        Holder claim = new Holder(holder, nextEpoch(lease));
        if (cache.putIfAbsent(lease, claim.encode(), duration.toMillis(), TimeUnit.MILLISECONDS) == null) {
            return Optional.of(claim);
        }
        return Optional.empty();
    }

    /**
     * Extends a holding by {@code duration} from now.
     *
     * @return false if the holding lapsed or another holder has the lease: the caller holds nothing
     */
    public boolean renew(String lease, Holder holding, Duration duration) {
        byte[] mine = holding.encode();
        return cache.replace(lease, mine, mine, duration.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Gives a holding up at once, so a standby need not wait for it to lapse. */
    public void release(String lease, Holder holding) {
        cache.remove(lease, holding.encode());
    }

    private long nextEpoch(String lease) {
        String key = lease + EPOCH_SUFFIX;
        while (true) {
            byte[] current = cache.get(key);
            long next = current == null ? 1 : new Decoder(current).i64() + 1;
            byte[] proposed = new Encoder().i64(next).toByteArray();
            boolean won = current == null ? cache.putIfAbsent(key, proposed) == null : cache.replace(key, current, proposed);
            if (won) {
                return next;
            }
        }
    }
}
