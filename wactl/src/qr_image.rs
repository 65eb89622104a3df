//! QR codes as files, for people who pair a phone that is not next to the
//! server: SVG through the qrcode crate, PNG through a small encoder of our
//! own (grayscale, stored deflate: QR images are tiny, no compression needed).

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

/// The code as a PNG file (8-bit grayscale).
pub fn png(code: &QrCode) -> Vec<u8> {
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET_ZONE) * SCALE;
    let mut raw = Vec::with_capacity(side * (side + 1));
    for y in 0..side {
        raw.push(0); // filter: none
        for x in 0..side {
            let (mx, my) = (
                (x / SCALE).wrapping_sub(QUIET_ZONE),
                (y / SCALE).wrapping_sub(QUIET_ZONE),
            );
            let dark =
                mx < modules && my < modules && colors[my * modules + mx] == qrcode::Color::Dark;
            raw.push(if dark { 0 } else { 255 });
        }
    }
    let side = u32::try_from(side).expect("a QR image is small");
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit, grayscale, deflate, no filter, no interlace
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &zlib_stored(&raw));
    chunk(&mut out, b"IEND", &[]);
    out
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    let len = u32::try_from(data.len()).expect("chunk under 4 GiB");
    out.extend_from_slice(&len.to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// A zlib stream of stored (uncompressed) deflate blocks.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = data.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        out.push(u8::from(i + 1 == blocks.len()));
        let len = u16::try_from(block.len()).expect("block under 64 KiB");
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    out.extend_from_slice(&adler32(data).to_be_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in data {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads our own PNG back: chunk CRCs, IHDR, stored deflate, adler32,
    /// and every pixel against the code's modules.
    #[test]
    fn png_round_trips_to_the_modules() {
        let code = QrCode::new(b"2@ref,key,key,secret,9").expect("qr");
        let png = png(&code);
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let mut at = 8;
        let mut chunks = Vec::new();
        while at < png.len() {
            let len = u32::from_be_bytes(png[at..at + 4].try_into().expect("len")) as usize;
            let body = &png[at + 4..at + 8 + len];
            let crc = u32::from_be_bytes(png[at + 8 + len..at + 12 + len].try_into().expect("crc"));
            assert_eq!(crc32(body), crc, "chunk CRC");
            chunks.push((body[..4].to_vec(), body[4..].to_vec()));
            at += 12 + len;
        }
        let kinds: Vec<_> = chunks.iter().map(|(k, _)| k.as_slice()).collect();
        assert_eq!(kinds, [&b"IHDR"[..], b"IDAT", b"IEND"]);
        let side = u32::from_be_bytes(chunks[0].1[..4].try_into().expect("w")) as usize;
        assert_eq!(side, (code.width() + 2 * QUIET_ZONE) * SCALE);

        let zlib = &chunks[1].1;
        let mut raw = Vec::new();
        let mut i = 2;
        loop {
            let last = zlib[i] == 1;
            let len = u16::from_le_bytes([zlib[i + 1], zlib[i + 2]]) as usize;
            raw.extend_from_slice(&zlib[i + 5..i + 5 + len]);
            i += 5 + len;
            if last {
                break;
            }
        }
        assert_eq!(
            u32::from_be_bytes(zlib[i..i + 4].try_into().expect("adler")),
            adler32(&raw)
        );
        let colors = code.to_colors();
        for (m, color) in colors.iter().enumerate() {
            let (mx, my) = (m % code.width(), m / code.width());
            let (x, y) = ((mx + QUIET_ZONE) * SCALE + 3, (my + QUIET_ZONE) * SCALE + 3);
            let pixel = raw[y * (side + 1) + 1 + x];
            assert_eq!(
                pixel == 0,
                *color == qrcode::Color::Dark,
                "module {mx},{my}"
            );
        }
    }

    #[test]
    fn svg_is_a_document() {
        let code = QrCode::new(b"x").expect("qr");
        let svg = svg(&code);
        assert!(svg.starts_with("<?xml") && svg.contains("<svg"), "{svg}");
    }

    #[test]
    fn checksums_match_known_values() {
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(adler32(b"Wikipedia"), 0x11e6_0398);
    }
}
