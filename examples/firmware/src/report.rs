//! Lines of text to the host over semihosting, without `core::fmt` (which would add several KB of
//! flash to an image that exists to be measured).

use cortex_m_semihosting::hio::{self, HostStream};

/// The host's stdout; output is dropped if the debugger (QEMU) offers none.
pub struct Out(Option<HostStream>);

impl Out {
    pub fn open() -> Self {
        Out(hio::hstdout().ok())
    }

    pub fn text(&mut self, s: &str) -> &mut Self {
        if let Some(stream) = self.0.as_mut() {
            // A failed write only loses output; there is nobody else to tell.
            let _ = stream.write_all(s.as_bytes());
        }
        self
    }

    pub fn num(&mut self, mut n: u64) -> &mut Self {
        let mut digits = [0u8; 20];
        let mut start = digits.len();
        for slot in digits.iter_mut().rev() {
            *slot = b'0' + (n % 10) as u8;
            start -= 1;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        let text = digits.get(start..).unwrap_or(&[]);
        // Digits are ASCII.
        self.text(core::str::from_utf8(text).unwrap_or("?"))
    }

    pub fn end(&mut self) {
        self.text("\n");
    }
}
