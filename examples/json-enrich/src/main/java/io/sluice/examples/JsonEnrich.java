package io.sluice.examples;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.sluice.function.Batch;
import io.sluice.function.BatchFunction;
import io.sluice.function.Emitter;
import io.sluice.function.FunctionContext;
import io.sluice.function.Record;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * Adds provenance and fixed fields to JSON objects.
 *
 * <p>Every record whose value is a JSON object is emitted with the same key and the object's
 * fields followed by {@code "_source": "topic/partition/offset"}, {@code "_batchTime": <ms>} and one
 * field per parameter named {@code field.<name>} (for example {@code field.region=eu-west}).
 * A value that is not a JSON object is not dropped silently: it is emitted as
 * {@code {"_invalid": "<the value as text>", "_source": ...}} so that it can be found downstream.
 *
 * <p>It streams with jackson-core, which the example jar bundles: a function may carry its own
 * libraries, and the runtime loads them child-first.
 */
public final class JsonEnrich implements BatchFunction {

    private static final String FIELD_PREFIX = "field.";
    private final JsonFactory json = new JsonFactory();
    private final Map<String, String> extraFields = new TreeMap<>();

    @Override
    public void open(FunctionContext context) {
        context.parameters().forEach((name, value) -> {
            if (name.startsWith(FIELD_PREFIX) && name.length() > FIELD_PREFIX.length()) {
                extraFields.put(name.substring(FIELD_PREFIX.length()), value);
            }
        });
    }

    @Override
    public void apply(Batch batch, Emitter out) throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(256);
        for (Record record : batch) {
            buffer.reset();
            try (JsonGenerator gen = json.createGenerator(buffer)) {
                gen.writeStartObject();
                if (!copyObjectFields(record.value(), gen)) {
                    gen.writeStringField("_invalid", record.valueAsString());
                }
                gen.writeStringField("_source", record.topic() + "/" + record.sourcePartition() + "/" + record.offset());
                gen.writeNumberField("_batchTime", batch.batchTime());
                for (Map.Entry<String, String> field : extraFields.entrySet()) {
                    gen.writeStringField(field.getKey(), field.getValue());
                }
                gen.writeEndObject();
            }
            out.emit(record.key(), buffer.toByteArray());
        }
    }

    /** Copies the fields of a JSON object; writes nothing and returns false if the value is not one. */
    private boolean copyObjectFields(byte[] value, JsonGenerator gen) throws IOException {
        if (value == null) {
            return false;
        }
        // Validate first, so that a half-copied object never reaches the output.
        if (!isJsonObject(value)) {
            return false;
        }
        try (JsonParser parser = json.createParser(value)) {
            parser.nextToken();
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                gen.writeFieldName(parser.currentName());
                parser.nextToken();
                gen.copyCurrentStructure(parser);
            }
        }
        return true;
    }

    private boolean isJsonObject(byte[] value) {
        try (JsonParser parser = json.createParser(value)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return false;
            }
            parser.skipChildren();
            return parser.nextToken() == null;
        } catch (IOException e) {
            return false;
        }
    }
}
