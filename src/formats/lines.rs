//! A cursor over the lines of a chunk: `\n`-terminated, a trailing `\r`
//! dropped, numbered from 1. Block parsers peek and take lines from it.

#[derive(Clone)]
pub struct Lines<'a> {
    data: &'a [u8],
    pos: usize,
    /// The number of the last line taken.
    pub line_no: u32,
    /// The split found at `pos` by the last peek: (pos, line end, next pos),
    /// so a peek followed by a take searches for the newline once.
    found: std::cell::Cell<(usize, usize, usize)>,
}

impl<'a> Lines<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Lines {
            data,
            pos: 0,
            line_no: 0,
            found: std::cell::Cell::new((usize::MAX, 0, 0)),
        }
    }

    fn split(&self) -> Option<(&'a [u8], usize)> {
        if self.pos >= self.data.len() {
            return None;
        }
        let (at, end, next) = self.found.get();
        if at == self.pos {
            return Some((&self.data[at..end], next));
        }
        let rest = &self.data[self.pos..];
        let (line, next) = match memchr::memchr(b'\n', rest) {
            Some(n) => (&rest[..n], self.pos + n + 1),
            None => (rest, self.data.len()),
        };
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        self.found.set((self.pos, self.pos + line.len(), next));
        Some((line, next))
    }

    fn at(mut self, pos: usize) -> Self {
        self.pos = pos;
        self
    }

    /// The next line, not taken.
    pub fn peek(&self) -> Option<&'a [u8]> {
        self.split().map(|(l, _)| l)
    }

    /// The line after the next one, not taken.
    pub fn peek2(&self) -> Option<&'a [u8]> {
        let (_, next) = self.split()?;
        Lines::new(self.data).at(next).peek()
    }

    /// Takes the next line: (its number, its text).
    pub fn take(&mut self) -> Option<(u32, &'a [u8])> {
        let (line, next) = self.split()?;
        self.pos = next;
        self.line_no += 1;
        Some((self.line_no, line))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_lines_without_terminators() {
        let mut l = Lines::new(b"a\r\nb\n\nc");
        assert_eq!(l.peek(), Some(&b"a"[..]));
        assert_eq!(l.peek2(), Some(&b"b"[..]));
        assert_eq!(l.take(), Some((1, &b"a"[..])));
        assert_eq!(l.take(), Some((2, &b"b"[..])));
        assert_eq!(l.take(), Some((3, &b""[..])));
        assert_eq!(l.take(), Some((4, &b"c"[..])));
        assert_eq!(l.take(), None);
    }
}
