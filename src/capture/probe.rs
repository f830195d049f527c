//! Where to put the probes: for each runtime map function in the binary,
//! one entry point and every return, found by disassembling the function
//! (iced-x86), with the fetch arguments that read the map header and the
//! goroutine id there.
//!
//! The entry probe sits just after the stack-bound check of Go's prologue
//! (`CMP RSP, [R14+16]; JBE morestack`), not at the first instruction: when
//! the stack must grow, `morestack` jumps back to the first instruction, and a
//! probe there would see one call enter twice. Nothing before that point
//! writes an argument register, so the map header is still where the ABI
//! put it. Exits are the `RET` instructions and any jump out of the function.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use iced_x86::{Code, Decoder, DecoderOptions, Instruction, Mnemonic, OpKind, Register};

use super::binary::{Function, GoBinary};
use super::{MAP_FUNCS, MapArg, MapFunc, ProbeError};

/// What a probe point is in its function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Point {
    Entry,
    /// The n-th exit (0-based) in address order.
    Return(u32),
}

/// One uprobe.
#[derive(Clone, Debug)]
pub struct Probe {
    pub func: &'static MapFunc,
    pub point: Point,
    pub address: u64,
    pub file_offset: u64,
    /// The uprobe fetch arguments (`h=%bx:x64 goid=+152(%r14):u64`).
    pub fetch: String,
}

impl Probe {
    /// The event name within the group: `mapassign_faststr__entry`,
    /// `mapassign_faststr__ret0`.
    pub fn event(&self) -> String {
        match self.point {
            Point::Entry => format!("{}__entry", self.func.short()),
            Point::Return(n) => format!("{}__ret{n}", self.func.short()),
        }
    }
}

/// Everything `racetrail probe` prints and `racetrail record` installs.
#[derive(Clone, Debug)]
pub struct Plan {
    pub binary: PathBuf,
    pub go_version: String,
    pub build_id: String,
    pub goid_offset: u64,
    pub probes: Vec<Probe>,
    /// Map functions the binary has but that cannot be probed, and why.
    pub skipped: Vec<(&'static str, String)>,
}

impl Plan {
    /// The tracefs `uprobe_events` line of each probe, in group `group`.
    pub fn uprobe_lines(&self, group: &str) -> Vec<String> {
        let path = self.binary.display();
        self.probes
            .iter()
            .map(|p| {
                format!(
                    "p:{group}/{} {path}:{:#x} {}",
                    p.event(),
                    p.file_offset,
                    p.fetch
                )
            })
            .collect()
    }

    /// The number of functions probed.
    pub fn functions(&self) -> usize {
        self.probes
            .iter()
            .filter(|p| p.point == Point::Entry)
            .count()
    }

    /// `racetrail probe`'s output: comments, the probe lines, and how to
    /// record them by hand.
    pub fn render(&self, group: &str) -> String {
        let mut s = String::new();
        let bin = self.binary.display();
        let _ = writeln!(s, "# racetrail probe: {bin}");
        let _ = writeln!(
            s,
            "# {} amd64, build id {}",
            self.go_version,
            if self.build_id.is_empty() {
                "(none)"
            } else {
                &self.build_id
            }
        );
        let _ = writeln!(
            s,
            "# goroutine id at +{}(%r14) (runtime.g.goid from DWARF); map header at entry in %bx \
             (register ABI) or the iterator's map member",
            self.goid_offset
        );
        let exits = self.probes.len() - self.functions();
        let _ = writeln!(
            s,
            "# {} functions: {} entry probes, {} return probes (exits found by disassembly)",
            self.functions(),
            self.functions(),
            exits
        );
        for (name, why) in &self.skipped {
            let _ = writeln!(s, "# skipped {name}: {why}");
        }
        for line in self.uprobe_lines(group) {
            let _ = writeln!(s, "{line}");
        }
        let _ = writeln!(s, "#");
        let _ = writeln!(
            s,
            "# Record by hand (root; tracefs at /sys/kernel/tracing), keeping perf's clock:"
        );
        // One write per line: tracefs rejects a definition split across writes.
        let _ = writeln!(
            s,
            "#   racetrail probe {bin} | grep '^p:' | while read -r l; do echo \"$l\" >> /sys/kernel/tracing/uprobe_events; done"
        );
        let _ = writeln!(
            s,
            "#   perf record -k CLOCK_MONOTONIC -e '{group}:*' -o racetrail.data -- {bin} ARGS..."
        );
        let _ = writeln!(
            s,
            "#   perf script --ns -F trace:comm,pid,tid,cpu,time,event,trace -i racetrail.data > capture.txt"
        );
        let _ = writeln!(
            s,
            "#   racetrail probe {bin} | sed -n 's/^p:\\([^ ]*\\) .*/-:\\1/p' | while read -r l; do echo \"$l\" >> /sys/kernel/tracing/uprobe_events; done"
        );
        let _ = writeln!(
            s,
            "# or all in one, with a wall-clock line so that the capture merges with logs:"
        );
        let _ = writeln!(s, "#   racetrail record -o capture.txt -- {bin} ARGS...");
        s
    }
}

/// Reads `path` and finds the probe points of its map functions.
pub fn plan(path: &Path) -> Result<Plan, ProbeError> {
    let data = std::fs::read(path).map_err(|source| ProbeError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if path.to_string_lossy().contains(char::is_whitespace) {
        return Err(ProbeError::Unsupported {
            path,
            why: "its path contains white space, which uprobe_events cannot name; link or copy \
                  it to a path without"
                .into(),
        });
    }
    let bin = GoBinary::parse(&path, &data)?;
    plan_for(&bin)
}

/// The probes of an opened binary.
pub fn plan_for(bin: &GoBinary<'_>) -> Result<Plan, ProbeError> {
    let iter_members: Vec<(&str, &str)> = MAP_FUNCS
        .iter()
        .filter_map(|f| match f.map {
            MapArg::Iter { ty, member } => Some((ty, member)),
            MapArg::Second => None,
        })
        .collect();
    let mut wanted = vec![("runtime.g", "goid")];
    wanted.extend(iter_members.iter().copied());
    let offsets = bin.member_offsets(&wanted)?;
    let goid_offset = offsets[0].ok_or_else(|| ProbeError::Unsupported {
        path: bin.path.clone(),
        why: "its DWARF has no runtime.g.goid member".into(),
    })?;
    let goid = format!("goid=+{goid_offset}(%r14):u64");
    let mut probes = Vec::new();
    let mut skipped = Vec::new();
    for func in MAP_FUNCS {
        let Some(code) = bin.function(func.name) else {
            continue;
        };
        let map = match func.map {
            MapArg::Second => "h=%bx:x64".to_string(),
            MapArg::Iter { ty, member } => {
                let at = iter_members
                    .iter()
                    .position(|w| *w == (ty, member))
                    .and_then(|i| offsets[i + 1]);
                match at {
                    Some(off) => format!("h=+{off}(%ax):x64"),
                    None => {
                        skipped.push((func.name, format!("its DWARF has no {ty}.{member}")));
                        continue;
                    }
                }
            }
        };
        match points(&code) {
            Ok((entry, exits)) => {
                let at = |addr: u64| code.file_offset + (addr - code.address);
                probes.push(Probe {
                    func,
                    point: Point::Entry,
                    address: entry,
                    file_offset: at(entry),
                    fetch: format!("{map} {goid}"),
                });
                for (n, addr) in exits.into_iter().enumerate() {
                    probes.push(Probe {
                        func,
                        point: Point::Return(n as u32),
                        address: addr,
                        file_offset: at(addr),
                        fetch: goid.clone(),
                    });
                }
            }
            Err(why) => skipped.push((func.name, why)),
        }
    }
    if probes.is_empty() {
        return Err(match skipped.first() {
            Some((name, why)) => ProbeError::Unsupported {
                path: bin.path.clone(),
                why: format!("{name}: {why}"),
            },
            None => ProbeError::NoMapFunctions {
                path: bin.path.clone(),
            },
        });
    }
    Ok(Plan {
        binary: bin.path.clone(),
        go_version: bin.go_version.clone(),
        build_id: bin.build_id.clone(),
        goid_offset,
        probes,
        skipped,
    })
}

/// The entry probe address and the exit addresses of a function.
pub fn points(f: &Function<'_>) -> Result<(u64, Vec<u64>), String> {
    let end = f.address + f.code.len() as u64;
    let mut decoder = Decoder::with_ip(64, f.code, f.address, DecoderOptions::NONE);
    let mut instrs: Vec<Instruction> = Vec::new();
    let mut instr = Instruction::default();
    while decoder.can_decode() {
        decoder.decode_out(&mut instr);
        if instr.code() == Code::INVALID {
            // Alignment padding after the last instruction is not code.
            if instrs.last().is_some_and(ends_flow) {
                break;
            }
            return Err(format!(
                "undecodable instruction at {:#x} (+{:#x})",
                instr.ip(),
                instr.ip() - f.address
            ));
        }
        instrs.push(instr);
    }
    let entry = after_stack_check(&instrs).unwrap_or(f.address);
    let exits: Vec<u64> = instrs
        .iter()
        .filter(|i| {
            i.mnemonic() == Mnemonic::Ret
                || (i.mnemonic() == Mnemonic::Jmp
                    && matches!(i.op0_kind(), OpKind::NearBranch64)
                    && !(f.address..end).contains(&i.near_branch_target()))
        })
        .map(Instruction::ip)
        .collect();
    if exits.is_empty() {
        return Err("no return instruction found".into());
    }
    Ok((entry, exits))
}

fn ends_flow(i: &Instruction) -> bool {
    matches!(
        i.mnemonic(),
        Mnemonic::Ret | Mnemonic::Jmp | Mnemonic::Int3 | Mnemonic::Ud2
    )
}

/// The instruction after Go's stack-bound check, when the function starts
/// with one: `[LEA R12, [RSP-n]] CMP RSP|R12, [R14+off] ; JBE|JB …`.
fn after_stack_check(instrs: &[Instruction]) -> Option<u64> {
    let mut i = 0;
    if instrs.first()?.mnemonic() == Mnemonic::Lea && instrs[0].op0_register() == Register::R12 {
        i = 1;
    }
    let cmp = instrs.get(i)?;
    let jcc = instrs.get(i + 1)?;
    let compares_g = cmp.mnemonic() == Mnemonic::Cmp
        && (0..cmp.op_count())
            .any(|n| cmp.op_kind(n) == OpKind::Memory && cmp.memory_base() == Register::R14)
        && (0..cmp.op_count()).any(|n| {
            cmp.op_kind(n) == OpKind::Register
                && matches!(cmp.op_register(n), Register::RSP | Register::R12)
        });
    (compares_g && matches!(jcc.mnemonic(), Mnemonic::Jbe | Mnemonic::Jb)).then(|| jcc.next_ip())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn func(code: &'static [u8]) -> Function<'static> {
        Function {
            name: "t".into(),
            address: 0x410200,
            file_offset: 0x10200,
            code,
        }
    }

    #[test]
    fn entry_after_the_stack_check_and_every_ret() {
        // go1.19 runtime.mapassign_faststr's prologue, shortened:
        // CMP [R14+0x10], RSP; JBE +0x10; SUB RSP,0x68; RET; (morestack)
        // CALL rel32; JMP back to the start.
        let code: &[u8] = &[
            0x49, 0x3b, 0x66, 0x10, // cmp rsp,[r14+10h]
            0x76, 0x05, // jbe +5
            0x48, 0x83, 0xec, 0x68, // sub rsp,68h
            0xc3, // ret
            0xe8, 0x00, 0x00, 0x00, 0x00, // call next
            0xeb, 0xee, // jmp start
        ];
        let (entry, exits) = points(&func(code)).unwrap();
        assert_eq!(entry, 0x410206);
        assert_eq!(exits, vec![0x41020a]);
    }

    #[test]
    fn no_stack_check_probes_the_first_instruction() {
        let code: &[u8] = &[0x48, 0x89, 0xd8, 0xc3, 0xc3];
        let (entry, exits) = points(&func(code)).unwrap();
        assert_eq!(entry, 0x410200);
        assert_eq!(exits, vec![0x410203, 0x410204]);
    }

    #[test]
    fn a_function_without_exit_is_refused() {
        let code: &[u8] = &[0x48, 0x89, 0xd8, 0xeb, 0xfb];
        assert!(points(&func(code)).is_err());
    }
}
