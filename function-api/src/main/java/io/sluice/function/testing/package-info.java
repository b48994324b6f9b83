/**
 * In-memory batches, records and emitters, so that a function can be unit-tested without a
 * broker, a scheduler or a runtime. JDK only, like the rest of the function API.
 */
package io.sluice.function.testing;
