package io.sextant.notification.channel;

/** Provider answers made fit for a delivery attempt's detail: one line, bounded, no control characters. */
final class Details {

    static final int MAX_LENGTH = 300;

    private Details() {}

    static String clip(String text) {
        if (text == null) {
            return "";
        }
        final StringBuilder out = new StringBuilder(Math.min(text.length(), MAX_LENGTH));
        for (int i = 0; i < text.length() && out.length() < MAX_LENGTH; i++) {
            final char c = text.charAt(i);
            out.append(Character.isISOControl(c) ? ' ' : c);
        }
        final String clipped = out.toString().strip();
        return text.length() > MAX_LENGTH ? clipped + "…" : clipped;
    }
}
