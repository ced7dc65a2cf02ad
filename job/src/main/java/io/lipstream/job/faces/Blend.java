package io.lipstream.job.faces;

/** How {@link FacePaster} puts the generated face back into the frame. */
public enum Blend {
    /** Overwrite the whole box, as Wav2Lip does (a visible seam where colours differ). */
    HARD,
    /** Keep the original upper face and blend the lower face in with soft edges (no hard seam). */
    FEATHER
}
