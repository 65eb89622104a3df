//! QR codes as files, for people who pair a phone that is not next to the
//! server: SVG through the qrcode crate, PNG through the png crate.

use qrcode::QrCode;
use qrcode::render::svg;

/// Pixels per QR module in PNG output.
const SCALE: usize = 8;
/// Light modules around the code, as scanners expect.
const QUIET_ZONE: usize = 4;

/// The code as an SVG document.
pub fn svg(code: &QrCode) -> String {
    code.render::<svg::Color<'_>>()
        .min_dimensions(256, 256)
        .quiet_zone(true)
        .build()
}

/// The code as a PNG file (8-bit grayscale), or why it could not be encoded.
pub fn png(code: &QrCode) -> Result<Vec<u8>, String> {
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET_ZONE) * SCALE;
    let mut pixels = Vec::with_capacity(side * side);
    for y in 0..side {
        for x in 0..side {
            let (mx, my) = (
                (x / SCALE).wrapping_sub(QUIET_ZONE),
                (y / SCALE).wrapping_sub(QUIET_ZONE),
            );
            let dark =
                mx < modules && my < modules && colors[my * modules + mx] == qrcode::Color::Dark;
            pixels.push(if dark { 0 } else { 255 });
        }
    }
    let side = u32::try_from(side).map_err(|_| "the QR code is too large".to_string())?;
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    encoder
        .write_header()
        .and_then(|mut writer| {
            writer.write_image_data(&pixels)?;
            writer.finish()
        })
        .map_err(|e| format!("cannot encode the PNG: {e}"))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes with zune-png, a decoder independent of the encoder, and
    /// compares every module's pixel to the code.
    #[test]
    fn png_decodes_to_the_modules() {
        let code = QrCode::new(b"2@ref,key,key,secret,9").expect("qr");
        let bytes = png(&code).expect("png");
        let mut decoder = zune_png::PngDecoder::new(std::io::Cursor::new(&bytes));
        let pixels = decoder.decode_raw().expect("a valid PNG");
        let (width, height) = decoder.dimensions().expect("dimensions");
        let side = (code.width() + 2 * QUIET_ZONE) * SCALE;
        assert_eq!((width, height), (side, side));
        assert_eq!(
            decoder.colorspace(),
            Some(zune_png::zune_core::colorspace::ColorSpace::Luma)
        );
        assert_eq!(pixels.len(), side * side);
        for (m, color) in code.to_colors().iter().enumerate() {
            let (mx, my) = (m % code.width(), m / code.width());
            let (x, y) = ((mx + QUIET_ZONE) * SCALE + 3, (my + QUIET_ZONE) * SCALE + 3);
            assert_eq!(
                pixels[y * side + x] == 0,
                *color == qrcode::Color::Dark,
                "module {mx},{my}"
            );
        }
        assert!(
            pixels[..side * QUIET_ZONE * SCALE]
                .iter()
                .all(|p| *p == 255),
            "the quiet zone is light"
        );
    }

    #[test]
    fn svg_is_a_document() {
        let code = QrCode::new(b"x").expect("qr");
        let svg = svg(&code);
        assert!(svg.starts_with("<?xml") && svg.contains("<svg"), "{svg}");
    }
}
