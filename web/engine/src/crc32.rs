//! CRC-32 (IEEE 802.3, as ZIP uses it), sixteen bytes per step: the page
//! stores cleaned files in a ZIP and must give each one's CRC. A run of
//! zeros (a video's removed boxes, gigabytes at times) is added without
//! looking at it: n zero bytes multiply the register by x^(8n) modulo the
//! polynomial, computed by squaring.

const POLY: u32 = 0xEDB8_8320;

/// TABLES[k][b]: the CRC register after byte b and k zero bytes.
static TABLES: [[u32; 256]; 16] = tables();

const fn tables() -> [[u32; 256]; 16] {
    let mut t = [[0u32; 256]; 16];
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
    while k < 16 {
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
        let mut chunks = bytes.chunks_exact(16);
        for c in &mut chunks {
            let c: &[u8; 16] = c.try_into().expect("chunks_exact(16) gives sixteen bytes");
            let lo = crc ^ u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
            crc = t[15][(lo & 0xFF) as usize]
                ^ t[14][((lo >> 8) & 0xFF) as usize]
                ^ t[13][((lo >> 16) & 0xFF) as usize]
                ^ t[12][(lo >> 24) as usize];
            for (k, &b) in c[4..].iter().enumerate() {
                crc ^= t[11 - k][b as usize];
            }
        }
        for &b in chunks.remainder() {
            crc = (crc >> 8) ^ t[0][((crc ^ b as u32) & 0xFF) as usize];
        }
        self.0 = crc;
    }

    /// Continues a CRC whose value so far is `value`.
    pub fn resume(value: u32) -> Crc32 {
        Crc32(!value)
    }

    /// Adds `n` zero bytes.
    pub fn zeros(&mut self, n: u64) {
        self.0 = multiply(x_to_the_8(n), self.0);
    }

    pub fn value(self) -> u32 {
        !self.0
    }
}

// Polynomials modulo POLY, bit-reflected as the register holds them: bit 31
// is the coefficient of x^0, bit 0 that of x^31.
const ONE: u32 = 1 << 31;
const X8: u32 = 1 << 23;

/// a·b modulo the polynomial.
fn multiply(a: u32, mut b: u32) -> u32 {
    let mut product = 0;
    for k in 0..32 {
        if a & (ONE >> k) != 0 {
            product ^= b;
        }
        // b·x
        b = if b & 1 != 0 { (b >> 1) ^ POLY } else { b >> 1 };
    }
    product
}

/// x^(8n) modulo the polynomial: what n zero bytes do to the register.
fn x_to_the_8(mut n: u64) -> u32 {
    let (mut result, mut power) = (ONE, X8);
    while n > 0 {
        if n & 1 != 0 {
            result = multiply(power, result);
        }
        power = multiply(power, power);
        n >>= 1;
    }
    result
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

    /// One bit at a time, straight from the definition.
    fn bitwise(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ POLY
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn sixteen_at_a_time_is_one_bit_at_a_time() {
        let bytes: Vec<u8> = (0..1000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        for len in [0, 1, 15, 16, 17, 31, 32, 33, 999, 1000] {
            assert_eq!(of(&bytes[..len]), bitwise(&bytes[..len]), "{len} bytes");
        }
    }

    #[test]
    fn zeros_added_at_once_are_zeros_read_one_by_one() {
        for n in [0u64, 1, 7, 8, 9, 255, 4096, 100_003] {
            let mut read = Crc32::resume(of(b"head"));
            read.update(&vec![0; n as usize]);
            read.update(b"tail");
            let mut added = Crc32::resume(of(b"head"));
            added.zeros(n);
            added.update(b"tail");
            assert_eq!(added.value(), read.value(), "{n} zeros");
        }
        // 2 GiB of zeros, by the identity 2^31 = 2^30 + 2^30.
        let mut once = Crc32::default();
        once.zeros(1 << 31);
        let mut twice = Crc32::default();
        twice.zeros(1 << 30);
        twice.zeros(1 << 30);
        assert_eq!(once.value(), twice.value());
        assert_ne!(once.value(), Crc32::default().value());
    }
}
