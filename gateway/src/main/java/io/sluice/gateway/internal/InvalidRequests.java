package io.sluice.gateway.internal;

import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

/**
 * Answers requests HTTP decoding refused before any route saw them (a request line or headers over
 * the limits, a request that does not parse) with the same JSON error body as every other 4xx,
 * then closes the connection, whose state is unknown.
 */
public final class InvalidRequests implements Handler<HttpServerRequest> {

    @Override
    public void handle(HttpServerRequest request) {
        Throwable cause = request.decoderResult().cause();
        int status;
        String reason;
        if (cause instanceof TooLongHttpLineException) {
            status = 414;
            reason = "the request line is longer than the gateway's limit of "
                    + HttpServerOptions.DEFAULT_MAX_INITIAL_LINE_LENGTH + " bytes";
        } else if (cause instanceof TooLongHttpHeaderException) {
            status = 431;
            reason = "the request headers are larger than the gateway's limit of "
                    + HttpServerOptions.DEFAULT_MAX_HEADER_SIZE + " bytes";
        } else {
            status = 400;
            String why = cause == null || cause.getMessage() == null ? "it does not parse" : cause.getMessage();
            int nl = why.indexOf('\n');
            reason = "the request is not valid HTTP: " + (nl < 0 ? why : why.substring(0, nl));
        }
        request.response().setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaders.CONNECTION, "close")
                .end(new JsonObject().put("error", reason).encode());
    }
}
