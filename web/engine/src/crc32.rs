//! CRC-32 (IEEE 802.3, as ZIP uses it), eight bytes per step: the page
//! stores cleaned files in a ZIP and must give each one's CRC.

const POLY: u32 = 0xEDB8_8320;

/// TABLES[k][b]: the CRC of byte b followed by k zero bytes.
static TABLES: [[u32; 256]; 8] = tables();

const fn tables() -> [[u32; 256]; 8] {
    let mut t = [[0u32; 256]; 8];
    let mut b = 0;
    while b < 256 {
        let mut crc = b as u32;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ POLY
            } else {
                crc >> 1
            };
            bit += 1;
        }
        t[0][b] = crc;
        b += 1;
    }
    let mut k = 1;
    while k < 8 {
        let mut b = 0;
        while b < 256 {
            let prev = t[k - 1][b];
            t[k][b] = (prev >> 8) ^ t[0][(prev & 0xFF) as usize];
            b += 1;
        }
        k += 1;
    }
    t
}

/// A running CRC-32.
#[derive(Clone, Copy, Debug)]
pub struct Crc32(u32);

impl Default for Crc32 {
    fn default() -> Crc32 {
        Crc32(!0)
    }
}

impl Crc32 {
    pub fn update(&mut self, bytes: &[u8]) {
        let t = &TABLES;
        let mut crc = self.0;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let lo = crc ^ u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
            crc = t[7][(lo & 0xFF) as usize]
                ^ t[6][((lo >> 8) & 0xFF) as usize]
                ^ t[5][((lo >> 16) & 0xFF) as usize]
                ^ t[4][(lo >> 24) as usize]
                ^ t[3][c[4] as usize]
                ^ t[2][c[5] as usize]
                ^ t[1][c[6] as usize]
                ^ t[0][c[7] as usize];
        }
        for &b in chunks.remainder() {
            crc = (crc >> 8) ^ t[0][((crc ^ b as u32) & 0xFF) as usize];
        }
        self.0 = crc;
    }

    pub fn value(self) -> u32 {
        !self.0
    }
}

/// The CRC-32 of `bytes`.
pub fn of(bytes: &[u8]) -> u32 {
    let mut crc = Crc32::default();
    crc.update(bytes);
    crc.value()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_and_any_split() {
        // The check value of CRC-32/ISO-HDLC, and an empty input.
        assert_eq!(of(b"123456789"), 0xCBF4_3926);
        assert_eq!(of(b""), 0);
        let text = b"The quick brown fox jumps over the lazy dog, twice over.";
        assert_eq!(
            of(b"The quick brown fox jumps over the lazy dog"),
            0x414F_A339
        );
        for split in 0..text.len() {
            let mut crc = Crc32::default();
            crc.update(&text[..split]);
            crc.update(&text[split..]);
            assert_eq!(crc.value(), of(text), "split at {split}");
        }
    }
}
