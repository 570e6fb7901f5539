package io.sextant.storage.thumbs;

import java.awt.image.BufferedImage;

/**
 * EXIF orientation (tag 0x0112): how the stored pixels must be turned to show the picture upright. 1 is as
 * stored; 2 mirrored; 3 turned 180°; 4 flipped upside down; 5 mirrored along the top-left to bottom-right
 * diagonal (transpose); 6 turned 90° clockwise; 7 transverse; 8 turned 90° counter-clockwise.
 */
final class Orientation {

    private Orientation() {}

    /** The picture upright: a new image, or {@code image} itself for 1 and unknown values. */
    static BufferedImage apply(BufferedImage image, int orientation) {
        if (orientation < 2 || orientation > 8) {
            return image;
        }
        final int width = image.getWidth();
        final int height = image.getHeight();
        final boolean swaps = orientation >= 5;
        final BufferedImage result = new BufferedImage(swaps ? height : width, swaps ? width : height, image.getType());
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                final int rgb = image.getRGB(x, y);
                switch (orientation) {
                    case 2 -> result.setRGB(width - 1 - x, y, rgb);
                    case 3 -> result.setRGB(width - 1 - x, height - 1 - y, rgb);
                    case 4 -> result.setRGB(x, height - 1 - y, rgb);
                    case 5 -> result.setRGB(y, x, rgb);
                    case 6 -> result.setRGB(height - 1 - y, x, rgb);
                    case 7 -> result.setRGB(height - 1 - y, width - 1 - x, rgb);
                    default -> result.setRGB(y, width - 1 - x, rgb); // 8
                }
            }
        }
        return result;
    }
}
