package io.sluice.core.status;

import io.sluice.core.encoding.Decoder;
import io.sluice.core.encoding.Encoder;
import org.infinispan.Cache;

import java.util.List;
import java.util.Optional;

/**
 * What the scheduler publishes for others to read (the gateway, the CLI, dashboards): each
 * pipeline's progress and the connected runtimes. The scheduler is the only writer.
 */
public final class StatusBoard {

    private static final String RUNTIMES = "runtimes";
    private static final String PROGRESS = "progress/";

    private final Cache<String, byte[]> status;

    public StatusBoard(Cache<String, byte[]> status) {
        this.status = status;
    }

    public void publish(PipelineProgress progress) {
        status.put(PROGRESS + progress.pipeline(), progress.encode());
    }

    public Optional<PipelineProgress> progress(String pipeline) {
        return Optional.ofNullable(status.get(PROGRESS + pipeline)).map(PipelineProgress::decode);
    }

    public void forget(String pipeline) {
        status.remove(PROGRESS + pipeline);
    }

    public void publishRuntimes(List<RuntimeInfo> runtimes) {
        status.put(RUNTIMES, new Encoder().list(runtimes, (e, r) -> r.encode(e)).toByteArray());
    }

    public List<RuntimeInfo> runtimes() {
        byte[] bytes = status.get(RUNTIMES);
        if (bytes == null) {
            return List.of();
        }
        Decoder in = new Decoder(bytes);
        List<RuntimeInfo> runtimes = in.list(RuntimeInfo::decode);
        in.end();
        return runtimes;
    }
}
