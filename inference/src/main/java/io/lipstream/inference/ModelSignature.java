package io.lipstream.inference;

import java.util.OptionalInt;

/**
 * How a model's tensors map onto Wav2Lip's, found by binding by shape.
 *
 * @param melInput name of the input of shape {@code [B,1,80,16]}
 * @param faceInput name of the input of shape {@code [B,6,S,S]}
 * @param output name of the output of shape {@code [B,3,S,S]}
 * @param faceSize the face side S in pixels
 * @param fixedBatch the batch every call must have, or empty when the batch is dynamic
 */
public record ModelSignature(
        String melInput, String faceInput, String output, int faceSize, OptionalInt fixedBatch) {}
