//! Grey-level images and labelled image sets, plus the centre crop used to get 26x26 inputs.

/// One grey-level image, row-major.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Image {
    /// Width \[pixels\].
    pub width: usize,
    /// Height \[pixels\].
    pub height: usize,
    /// Grey levels 0..=255, `height` rows of `width` values.
    pub pixels: Vec<u8>,
}

impl Image {
    /// Grey level at row `row`, column `col` (0 outside the image or past the end of `pixels`).
    pub fn at(&self, row: usize, col: usize) -> u8 {
        if row < self.height && col < self.width {
            self.pixels
                .get(row * self.width + col)
                .copied()
                .unwrap_or(0)
        } else {
            0
        }
    }
}

/// Images with one label each (`labels[i]` belongs to `images[i]`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImageSet {
    /// The images.
    pub images: Vec<Image>,
    /// Class of each image, 0..=9 for digits.
    pub labels: Vec<u8>,
}

impl ImageSet {
    /// Number of images.
    pub fn len(&self) -> usize {
        self.images.len()
    }

    /// True when the set holds no image.
    pub fn is_empty(&self) -> bool {
        self.images.is_empty()
    }

    /// The images at `indices`, in that order, with their labels.
    pub fn subset(&self, indices: &[usize]) -> ImageSet {
        ImageSet {
            images: indices.iter().map(|&i| self.images[i].clone()).collect(),
            labels: indices.iter().map(|&i| self.labels[i]).collect(),
        }
    }

    /// Number of images of each class, indexed by class (length = largest label + 1).
    pub fn class_counts(&self) -> Vec<usize> {
        let classes = self
            .labels
            .iter()
            .map(|&l| l as usize + 1)
            .max()
            .unwrap_or(0);
        let mut counts = vec![0; classes];
        for &label in &self.labels {
            counts[label as usize] += 1;
        }
        counts
    }
}

/// The central `size` x `size` window of `img` (28x28 -> 26x26 drops one border pixel on each side).
///
/// When `size` exceeds a dimension the window is centred the same way and the pixels that fall
/// outside the source image are 0. An odd margin leaves the extra pixel on the right/bottom.
pub fn crop_center(img: &Image, size: usize) -> Image {
    let offset = |dim: usize| -> isize { (dim as isize - size as isize) / 2 };
    let (row0, col0) = (offset(img.height), offset(img.width));
    let mut pixels = Vec::with_capacity(size * size);
    for r in 0..size as isize {
        for c in 0..size as isize {
            let (row, col) = (row0 + r, col0 + c);
            let value = if row >= 0 && col >= 0 {
                img.at(row as usize, col as usize)
            } else {
                0
            };
            pixels.push(value);
        }
    }
    Image {
        width: size,
        height: size,
        pixels,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crop_4x4_to_2x2_keeps_centre() {
        let img = Image {
            width: 4,
            height: 4,
            pixels: (0..16).collect(),
        };
        let crop = crop_center(&img, 2);
        assert_eq!(crop.pixels, vec![5, 6, 9, 10]);
    }

    #[test]
    fn crop_larger_than_image_pads_with_zero() {
        let img = Image {
            width: 1,
            height: 1,
            pixels: vec![7],
        };
        let crop = crop_center(&img, 3);
        assert_eq!(crop.pixels, vec![0, 0, 0, 0, 7, 0, 0, 0, 0]);
    }
}
