//! What a Go executable says about itself: its ELF symbols (where each
//! runtime function is, in memory and in the file), its Go version (the
//! `.go.buildinfo` section), its build id (`.note.go.buildid`) and struct
//! member offsets from its DWARF (`runtime.g.goid`, the iterator's map).
//!
//! Debug sections may be compressed (ELF `SHF_COMPRESSED` or GNU `.zdebug_`):
//! zlib sections are inflated with flate2, zstd ones with zstd, both already
//! dependencies, so `object` runs without its compression feature.

use std::borrow::Cow;
use std::io::Read;
use std::path::{Path, PathBuf};

use object::{Object, ObjectSection, ObjectSymbol};

use super::ProbeError;

/// A Go function's code: where it is loaded and where it lies in the file.
#[derive(Clone, Debug)]
pub struct Function<'data> {
    pub name: String,
    pub address: u64,
    /// The offset in the file of `address` (what a uprobe names).
    pub file_offset: u64,
    pub code: &'data [u8],
}

/// An opened Go executable.
pub struct GoBinary<'data> {
    pub path: PathBuf,
    file: object::File<'data>,
    /// `go1.19.8`, as the build info says it.
    pub go_version: String,
    /// (major, minor) of `go_version`.
    pub go: (u32, u32),
    /// The Go build id, empty when the binary has none.
    pub build_id: String,
}

impl<'data> GoBinary<'data> {
    /// Checks that `data` is an amd64 Go ELF executable with symbols and
    /// DWARF, of a Go version with the register ABI (1.17 or later).
    pub fn parse(path: &Path, data: &'data [u8]) -> Result<Self, ProbeError> {
        let bad = |why: String| ProbeError::Unsupported {
            path: path.to_path_buf(),
            why,
        };
        let file = object::File::parse(data).map_err(|e| bad(format!("not an executable: {e}")))?;
        if file.format() != object::BinaryFormat::Elf {
            return Err(bad(format!(
                "a {:?} file; only ELF (Linux) binaries can be probed",
                file.format()
            )));
        }
        if file.architecture() != object::Architecture::X86_64 {
            return Err(bad(format!(
                "built for {:?}; only amd64 (x86-64) is supported",
                file.architecture()
            )));
        }
        let go_version = build_info_version(&file)
            .ok_or_else(|| bad("not a Go binary (no Go build info in it)".into()))?;
        let go = parse_go_version(&go_version)
            .ok_or_else(|| bad(format!("unrecognised Go version {go_version:?}")))?;
        if go < (1, 17) {
            return Err(bad(format!(
                "built with {go_version}; Go 1.17 or later is needed (the register ABI passes \
                 the map in a register and keeps the goroutine in r14)"
            )));
        }
        if file.symbols().next().is_none() {
            return Err(bad(
                "stripped: it has no symbol table (built with -ldflags=-s, or strip); rebuild \
                 without -s"
                    .into(),
            ));
        }
        if file.section_by_name(".debug_info").is_none() {
            return Err(bad(
                "stripped: it has no DWARF (built with -ldflags=-w, or strip); rebuild without -w"
                    .into(),
            ));
        }
        let build_id = go_build_id(&file).unwrap_or_default();
        Ok(GoBinary {
            path: path.to_path_buf(),
            file,
            go_version,
            go,
            build_id,
        })
    }

    /// The code of the function named `name`, if the binary has it.
    pub fn function(&self, name: &str) -> Option<Function<'data>> {
        let sym = self
            .file
            .symbols()
            .find(|s| s.kind() == object::SymbolKind::Text && s.name() == Ok(name))?;
        let section = self.file.section_by_index(sym.section_index()?).ok()?;
        let (offset, size) = section.file_range()?;
        let rel = sym.address().checked_sub(section.address())?;
        if rel.checked_add(sym.size())? > size || sym.size() == 0 {
            return None;
        }
        let code = section.data_range(sym.address(), sym.size()).ok()??;
        Some(Function {
            name: name.to_string(),
            address: sym.address(),
            file_offset: offset + rel,
            code,
        })
    }

    /// Byte offsets of members of named structs, from the DWARF: one answer
    /// per `(struct, member)` asked, `None` when the DWARF lacks it.
    pub fn member_offsets(&self, wanted: &[(&str, &str)]) -> Result<Vec<Option<u64>>, ProbeError> {
        let dwarf_err = |e: String| ProbeError::Unsupported {
            path: self.path.clone(),
            why: format!("unreadable DWARF: {e}"),
        };
        let sections = gimli::DwarfSections::load(|id| -> Result<Cow<'data, [u8]>, String> {
            match id {
                gimli::SectionId::DebugInfo
                | gimli::SectionId::DebugAbbrev
                | gimli::SectionId::DebugStr => self.debug_section(id.name()),
                _ => Ok(Cow::Borrowed(&[][..])),
            }
        })
        .map_err(dwarf_err)?;
        let dwarf = sections.borrow(|s| gimli::EndianSlice::new(s, gimli::LittleEndian));
        let mut out = vec![None; wanted.len()];
        let mut units = dwarf.units();
        let gerr = |e: gimli::Error| dwarf_err(e.to_string());
        while let Some(header) = units.next().map_err(gerr)? {
            // Entries only: a whole `Unit` would also read line programs.
            let abbrevs = header.abbreviations(&dwarf.debug_abbrev).map_err(gerr)?;
            let mut cursor = header.entries(&abbrevs);
            let mut depth = 0isize;
            // The struct being read (index into `wanted` names) and its depth.
            let mut current: Option<(&str, isize)> = None;
            while let Some((delta, entry)) = cursor.next_dfs().map_err(gerr)? {
                depth += delta;
                if current.is_some_and(|(_, d)| depth <= d) {
                    current = None;
                }
                let name = || -> Option<String> {
                    let s = match entry.attr_value(gimli::DW_AT_name).ok()?? {
                        gimli::AttributeValue::String(s) => s,
                        gimli::AttributeValue::DebugStrRef(o) => dwarf.debug_str.get_str(o).ok()?,
                        _ => return None,
                    };
                    Some(String::from_utf8_lossy(s.slice()).into_owned())
                };
                match entry.tag() {
                    gimli::DW_TAG_structure_type if current.is_none() => {
                        if let Some(n) = name()
                            && let Some((s, _)) = wanted.iter().find(|(s, _)| *s == n)
                        {
                            current = Some((s, depth));
                        }
                    }
                    gimli::DW_TAG_member => {
                        let Some((s, d)) = current else { continue };
                        if depth != d + 1 {
                            continue;
                        }
                        let Some(n) = name() else { continue };
                        for (i, w) in wanted.iter().enumerate() {
                            if w.0 == s && w.1 == n && out[i].is_none() {
                                out[i] = entry
                                    .attr_value(gimli::DW_AT_data_member_location)
                                    .ok()
                                    .flatten()
                                    .and_then(|v| v.udata_value());
                            }
                        }
                    }
                    _ => {}
                }
            }
            if out.iter().all(Option::is_some) {
                break;
            }
        }
        Ok(out)
    }

    /// A debug section, inflated when compressed; empty when absent.
    fn debug_section(&self, name: &str) -> Result<Cow<'data, [u8]>, String> {
        let Some(section) = self.file.section_by_name(name) else {
            return Ok(Cow::Borrowed(&[][..]));
        };
        let c = section.compressed_data().map_err(|e| e.to_string())?;
        let size = usize::try_from(c.uncompressed_size).map_err(|e| e.to_string())?;
        // A corrupt header must not make us allocate the address space.
        if size > c.data.len().saturating_mul(1024).max(1 << 20) {
            return Err(format!("{name}: implausible uncompressed size {size}"));
        }
        let mut out = Vec::with_capacity(size.min(64 << 20));
        match c.format {
            object::CompressionFormat::None => return Ok(Cow::Borrowed(c.data)),
            object::CompressionFormat::Zlib => {
                flate2::read::ZlibDecoder::new(c.data)
                    .take(size as u64)
                    .read_to_end(&mut out)
                    .map_err(|e| format!("{name}: {e}"))?;
            }
            object::CompressionFormat::Zstandard => {
                zstd::stream::read::Decoder::new(c.data)
                    .map_err(|e| format!("{name}: {e}"))?
                    .take(size as u64)
                    .read_to_end(&mut out)
                    .map_err(|e| format!("{name}: {e}"))?;
            }
            other => return Err(format!("{name}: unsupported compression {other:?}")),
        }
        Ok(Cow::Owned(out))
    }
}

/// The Go version of the build info: `\xff Go buildinf:`, pointer size,
/// flags; since Go 1.18 (flag bit 2) the version string follows inline,
/// length-prefixed; before, two pointers lead to string headers.
fn build_info_version(file: &object::File<'_>) -> Option<String> {
    const MAGIC: &[u8] = b"\xff Go buildinf:";
    let section = file.section_by_name(".go.buildinfo")?;
    let data = section.data().ok()?;
    let at = memchr::memmem::find(data, MAGIC)?;
    let head = data.get(at..at + 32)?;
    let ptr_size = head[14] as usize;
    let flags = head[15];
    if flags & 2 != 0 {
        let (len, n) = uvarint(&data[at + 32..])?;
        let start = at + 32 + n;
        let s = data.get(start..start.checked_add(usize::try_from(len).ok()?)?)?;
        return Some(String::from_utf8_lossy(s).into_owned());
    }
    // Go 1.13–1.17: a pointer to a Go string header (pointer, length).
    if ptr_size != 8 || flags & 1 != 0 {
        return None;
    }
    let word = |bytes: &[u8]| -> Option<u64> {
        Some(u64::from_le_bytes(bytes.get(..8)?.try_into().ok()?))
    };
    let read = |addr: u64, len: u64| -> Option<&[u8]> {
        file.sections()
            .find(|s| s.address() <= addr && addr < s.address() + s.size())
            .and_then(|s| s.data_range(addr, len).ok().flatten())
    };
    let header = read(word(&head[16..])?, 16)?;
    let (ptr, len) = (word(header)?, word(&header[8..])?);
    if len > 64 {
        return None;
    }
    Some(String::from_utf8_lossy(read(ptr, len)?).into_owned())
}

fn uvarint(b: &[u8]) -> Option<(u64, usize)> {
    let mut x = 0u64;
    for (i, &c) in b.iter().enumerate().take(10) {
        x |= u64::from(c & 0x7f) << (7 * i);
        if c < 0x80 {
            return Some((x, i + 1));
        }
    }
    None
}

/// `go1.19.8` → (1, 19); also `devel go1.22-abcdef …` and `go1.21rc2`.
pub fn parse_go_version(v: &str) -> Option<(u32, u32)> {
    let at = v.find("go1.")?;
    let rest = &v[at + 2..];
    let mut parts = rest.splitn(2, '.');
    let major: u32 = parts.next()?.parse().ok()?;
    let minor_text = parts.next()?;
    let digits = minor_text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(minor_text.len());
    let minor: u32 = minor_text[..digits].parse().ok()?;
    Some((major, minor))
}

/// The desc of the `Go` note (type 4) in `.note.go.buildid`.
fn go_build_id(file: &object::File<'_>) -> Option<String> {
    let data = file.section_by_name(".note.go.buildid")?.data().ok()?;
    let word = |at: usize| -> Option<usize> {
        Some(u32::from_le_bytes(data.get(at..at + 4)?.try_into().ok()?) as usize)
    };
    let (namesz, descsz, kind) = (word(0)?, word(4)?, word(8)?);
    let name_end = 12 + namesz.div_ceil(4) * 4;
    if kind != 4 || data.get(12..12 + namesz.min(2))? != b"Go" {
        return None;
    }
    let desc = data.get(name_end..name_end.checked_add(descsz)?)?;
    Some(
        String::from_utf8_lossy(desc)
            .trim_end_matches('\0')
            .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_versions() {
        assert_eq!(parse_go_version("go1.19.8"), Some((1, 19)));
        assert_eq!(parse_go_version("go1.21rc2"), Some((1, 21)));
        assert_eq!(parse_go_version("devel go1.22-abcdef Tue"), Some((1, 22)));
        assert_eq!(parse_go_version("go1.16"), Some((1, 16)));
        assert_eq!(parse_go_version("1.19"), None);
    }

    #[test]
    fn varints() {
        assert_eq!(uvarint(&[0x08]), Some((8, 1)));
        assert_eq!(uvarint(&[0x96, 0x01]), Some((150, 2)));
        assert_eq!(uvarint(&[0x80]), None);
    }
}
