package io.sluice.core.wire;

import io.sluice.core.encoding.Decoder;
import io.sluice.core.encoding.Encoder;
import io.sluice.core.encoding.MalformedDataException;
import io.sluice.core.task.TaskAttempt;
import io.sluice.core.task.TaskId;
import io.sluice.core.wire.WireMessage.CancelTask;
import io.sluice.core.wire.WireMessage.FailureKind;
import io.sluice.core.wire.WireMessage.FunctionRef;
import io.sluice.core.wire.WireMessage.Heartbeat;
import io.sluice.core.wire.WireMessage.Hello;
import io.sluice.core.wire.WireMessage.RecordRange;
import io.sluice.core.wire.WireMessage.Refused;
import io.sluice.core.wire.WireMessage.Ready;
import io.sluice.core.wire.WireMessage.RunTask;
import io.sluice.core.wire.WireMessage.StageWork;
import io.sluice.core.wire.WireMessage.StateWork;
import io.sluice.core.wire.WireMessage.TaskDone;
import io.sluice.core.wire.WireMessage.TaskFailed;
import io.sluice.core.wire.WireMessage.Welcome;

import java.util.List;

/** Encodes {@link WireMessage}s as binary frames: a type byte, then the fields in declaration order. */
public final class WireCodec {

    private static final int HELLO = 1;
    private static final int HEARTBEAT = 2;
    private static final int DONE = 3;
    private static final int FAILED = 4;
    private static final int READY = 5;
    private static final int WELCOME = 10;
    private static final int RUN = 11;
    private static final int CANCEL = 12;
    private static final int REFUSED = 13;

    private WireCodec() {
    }

    public static byte[] encode(WireMessage message) {
        Encoder out = new Encoder(96);
        if (message instanceof Hello m) {
            out.u8(HELLO).i32(m.protocol()).str(m.name()).i32(m.slots());
        } else if (message instanceof Heartbeat m) {
            out.u8(HEARTBEAT).list(m.running(), WireCodec::attempt).list(m.inFunction(), WireCodec::attempt)
                    .list(m.lingering(), WireCodec::attempt);
        } else if (message instanceof Ready m) {
            out.u8(READY).i32(m.slots());
        } else if (message instanceof TaskDone m) {
            attempt(out.u8(DONE), m.attempt()).i64(m.recordsIn()).i64(m.recordsOut())
                    .i64(m.readNanos()).i64(m.runNanos()).i64(m.writeNanos()).list(m.shuffled(), Encoder::i32);
        } else if (message instanceof TaskFailed m) {
            attempt(out.u8(FAILED), m.attempt()).u8(m.kind().ordinal()).str(m.errorClass()).nullableStr(m.message());
        } else if (message instanceof Welcome m) {
            out.u8(WELCOME).str(m.runtimeId()).str(m.kafkaBootstrap()).str(m.clusterName()).strings(m.clusterHosts());
        } else if (message instanceof RunTask m) {
            attempt(out.u8(RUN), m.attempt()).i32(m.partitionCount()).str(m.function().name())
                    .i32(m.function().version()).str(m.function().className()).str(m.function().sha256())
                    .str(m.outputTopic())
                    .stringMap(m.parameters()).str(m.transactionalId()).i64(m.producerEpoch())
                    .u8(m.checkMarker() ? 1 : 0).i32(m.range().from()).i32(m.range().until())
                    .str(m.deadLetterTopic()).str(m.deadLetterError())
                    .i32(m.stage().shuffleTo()).str(m.stage().combine()).str(m.stage().shuffleKey()).str(m.stage().reduce())
                    .strings(m.stage().inputs());
            StateWork st = m.stage().state();
            out.str(st.topic()).i64(st.sequence()).str(st.stateClass()).i64(st.timeoutMs()).i64(st.windowLengthMs())
                    .i64(st.windowSlideMs()).u8(st.incremental() ? 1 : 0).i64(st.intervalMs());
        } else if (message instanceof CancelTask m) {
            attempt(out.u8(CANCEL), m.attempt());
        } else if (message instanceof Refused m) {
            out.u8(REFUSED).str(m.reason());
        } else {
            throw new IllegalArgumentException("no encoding for " + message.getClass().getName());
        }
        return out.toByteArray();
    }

    /**
     * @throws MalformedDataException if the frame is not a message of this protocol
     */
    public static WireMessage decode(byte[] frame) {
        Decoder in = new Decoder(frame);
        int type = in.u8();
        WireMessage message = switch (type) {
            case HELLO -> new Hello(in.i32(), in.str(), in.i32());
            case HEARTBEAT -> new Heartbeat(in.list(WireCodec::attempt), in.list(WireCodec::attempt),
                    in.list(WireCodec::attempt));
            case READY -> new Ready(in.i32());
            case DONE -> new TaskDone(attempt(in), in.i64(), in.i64(), in.i64(), in.i64(), in.i64(),
                    in.list(Decoder::i32));
            case FAILED -> new TaskFailed(attempt(in), failureKind(in.u8()), in.str(), in.nullableStr());
            case WELCOME -> new Welcome(in.str(), in.str(), in.str(), in.strings());
            case RUN -> new RunTask(attempt(in), in.i32(), new FunctionRef(in.str(), in.i32(), in.str(), in.str()),
                    in.str(), in.stringMap(), in.str(), in.i64(), in.u8() == 1, range(in.i32(), in.i32()), in.str(),
                    in.str(), stage(in.i32(), in.str(), in.str(), in.str(), in.strings(), state(in)));
            case CANCEL -> new CancelTask(attempt(in));
            case REFUSED -> new Refused(in.str());
            default -> throw new MalformedDataException("unknown message type " + type);
        };
        in.end();
        return message;
    }

    private static RecordRange range(int from, int until) {
        try {
            return new RecordRange(from, until);
        } catch (IllegalArgumentException e) {
            throw new MalformedDataException(e.getMessage());
        }
    }

    private static StateWork state(Decoder in) {
        try {
            return new StateWork(in.str(), in.i64(), in.str(), in.i64(), in.i64(), in.i64(), in.u8() == 1, in.i64());
        } catch (IllegalArgumentException e) {
            throw new MalformedDataException(e.getMessage());
        }
    }

    private static StageWork stage(int shuffleTo, String combine, String shuffleKey, String reduce,
                                   List<String> inputs, StateWork state) {
        try {
            return new StageWork(shuffleTo, combine, shuffleKey, reduce, inputs, state);
        } catch (IllegalArgumentException e) {
            throw new MalformedDataException(e.getMessage());
        }
    }

    private static FailureKind failureKind(int ordinal) {
        FailureKind[] kinds = FailureKind.values();
        if (ordinal >= kinds.length) {
            throw new MalformedDataException("unknown failure kind " + ordinal);
        }
        return kinds[ordinal];
    }

    private static Encoder attempt(Encoder out, TaskAttempt a) {
        return out.str(a.task().pipeline()).i64(a.task().batchTime()).u8(a.task().stage()).i32(a.task().partition())
                .i32(a.attempt());
    }

    private static TaskAttempt attempt(Decoder in) {
        try {
            return new TaskAttempt(new TaskId(in.str(), in.i64(), in.u8(), in.i32()), in.i32());
        } catch (IllegalArgumentException e) {
            throw new MalformedDataException("bad task attempt: " + e.getMessage());
        }
    }
}
