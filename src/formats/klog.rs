//! klog (Kubernetes) text headers. They are context: racetrail recognises
//! them so that they are reported as klog and never mistaken for a block.
//!
//! ```text
//! header = ( "I" | "W" | "E" | "F" ) MMDD SP hh ":" mm ":" ss "." micros SP+ THREADID SP FILE ":" LINE "]" SP MSG
//! ```

/// True when the line starts with a klog header.
pub fn looks_like_klog(line: &[u8]) -> bool {
    let digits = |r: std::ops::Range<usize>| {
        line.get(r)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    };
    matches!(line.first(), Some(b'I' | b'W' | b'E' | b'F'))
        && digits(1..5)
        && line.get(5) == Some(&b' ')
        && digits(6..8)
        && line.get(8) == Some(&b':')
        && digits(9..11)
        && line.get(11) == Some(&b':')
        && memchr::memchr(b']', line).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        assert!(looks_like_klog(
            b"I1126 12:45:53.869000   12345 server.go:42] started"
        ));
        assert!(looks_like_klog(b"E0102 03:04:05.000006 7 x.go:9] failed"));
        assert!(!looks_like_klog(b"Info about things"));
        assert!(!looks_like_klog(b"I1126"));
    }
}
