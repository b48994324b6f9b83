package io.sluice.runtime.internal;

import io.sluice.core.task.TaskId;

/**
 * What the commit marker of a transactional id says: the last task committed under the id, how far
 * into its block, and how many output records that task has written so far.
 *
 * <p>It travels as a transactional offset commit: the offset is the batch time, the metadata string
 * {@code sluice:upTo=<records>,out=<records out>}. A task's block is normally committed in one
 * transaction ({@code upTo} = the block's size); while a failing block is bisected its ranges commit
 * one after another, in index order, each moving {@code upTo} forward.
 *
 * @param batchTime  the batch time of the last task committed under the id, or -1 if none
 * @param upTo       how many of that task's records (from index 0) are covered
 * @param recordsOut how many output records that task has committed in all
 */
record CommitMarker(long batchTime, int upTo, long recordsOut) {

    /** The marker of an id nothing has committed under. */
    static final CommitMarker NONE = new CommitMarker(-1, 0, 0);

    private static final String PREFIX = "sluice:upTo=";

    /**
     * @param batchTime the committed offset
     * @param metadata  its metadata; one this build does not know counts as a whole task, output unknown
     */
    static CommitMarker parse(long batchTime, String metadata) {
        if (metadata != null && metadata.startsWith(PREFIX)) {
            int comma = metadata.indexOf(",out=");
            try {
                return new CommitMarker(batchTime, Integer.parseInt(metadata.substring(PREFIX.length(), comma)),
                        Long.parseLong(metadata.substring(comma + ",out=".length())));
            } catch (RuntimeException e) {
                // fall through: unreadable metadata
            }
        }
        return new CommitMarker(batchTime, Integer.MAX_VALUE, 0);
    }

    /** @return the offset metadata that stores this marker */
    String metadata() {
        return PREFIX + upTo + ",out=" + recordsOut;
    }

    /**
     * @return how many of {@code task}'s records are committed: all of them if a later batch has
     *     committed under the id (batches sharing an id never overlap), none if the marker is older
     */
    int committedUpTo(TaskId task) {
        if (batchTime > task.batchTime()) {
            return Integer.MAX_VALUE;
        }
        return batchTime == task.batchTime() ? upTo : 0;
    }

    /** @return the output records {@code task} has committed, as far as this marker knows */
    long recordsOutOf(TaskId task) {
        return batchTime == task.batchTime() ? recordsOut : 0;
    }

    /** @return the marker after committing {@code task}'s records up to {@code until} with {@code out} more output */
    CommitMarker advance(TaskId task, int until, long out) {
        return new CommitMarker(task.batchTime(), until, recordsOutOf(task) + out);
    }
}
