//! Audit logs read a line at a time with bounded memory: a file (gzip by its magic bytes, so
//! rotated `audit.log.1.gz` reads like the rest), or standard input. A line longer than the
//! limit is skipped with its number, and so is a gzip stream that inflates past a ratio no
//! log reaches (a bomb): one error each, the rest of the input goes on.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The longest line kept: an event with a large request object is a few MiB at most.
pub const DEFAULT_MAX_LINE: usize = 16 << 20;

/// Inflated bytes per compressed byte past which a gzip stream is taken for a bomb (logs
/// compress about 10 to 20 times), once this much has been inflated.
const BOMB_RATIO: u64 = 200;
const BOMB_FLOOR: u64 = 64 << 20;

/// What went wrong with one line, or with the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: usize,
    pub message: String,
    /// Whether reading stopped there.
    pub fatal: bool,
}

/// Counts the bytes read through it (the compressed side of a gzip stream).
struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buffer)?;
        self.count.fetch_add(read as u64, Ordering::Relaxed);
        Ok(read)
    }
}

/// Lines of one log.
pub struct LogReader {
    input: Box<dyn BufRead + Send>,
    /// Compressed bytes read, for a gzip input.
    compressed: Option<Arc<AtomicU64>>,
    inflated: u64,
    line: usize,
    max_line: usize,
    buffer: Vec<u8>,
    done: bool,
}

impl LogReader {
    /// A log from `input`, inflated when it starts with gzip's magic bytes.
    pub fn new(input: Box<dyn Read + Send>, max_line: usize) -> io::Result<LogReader> {
        let mut buffered = BufReader::with_capacity(1 << 20, input);
        let gzip = buffered.fill_buf()?.starts_with(&[0x1f, 0x8b]);
        let (input, compressed): (Box<dyn BufRead + Send>, _) = if gzip {
            let count = Arc::new(AtomicU64::new(0));
            let counting = Counting {
                inner: buffered,
                count: Arc::clone(&count),
            };
            let inflated = flate2::read::MultiGzDecoder::new(counting);
            (Box::new(BufReader::with_capacity(1 << 20, inflated)), Some(count))
        } else {
            (Box::new(buffered), None)
        };
        Ok(LogReader {
            input,
            compressed,
            inflated: 0,
            line: 0,
            max_line,
            buffer: Vec::new(),
            done: false,
        })
    }

    /// The log at `path` (`-` is standard input).
    pub fn open(path: &Path) -> io::Result<LogReader> {
        if path.as_os_str() == "-" {
            return LogReader::new(Box::new(io::stdin()), DEFAULT_MAX_LINE);
        }
        LogReader::new(Box::new(File::open(path)?), DEFAULT_MAX_LINE)
    }

    /// The next non-empty line (its number, and its bytes without the line ending), or why
    /// it was skipped.
    pub fn next_line(&mut self) -> Option<Result<(usize, &[u8]), LineError>> {
        loop {
            if self.done {
                return None;
            }
            self.buffer.clear();
            self.line += 1;
            let mut too_long = false;
            loop {
                let chunk = match self.input.fill_buf() {
                    Ok(chunk) => chunk,
                    Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                    Err(error) => {
                        self.done = true;
                        return Some(Err(LineError {
                            line: self.line,
                            message: format!("cannot read further: {error}"),
                            fatal: true,
                        }));
                    }
                };
                if chunk.is_empty() {
                    self.done = true;
                    break;
                }
                let (taken, ended) = match memchr::memchr(b'\n', chunk) {
                    Some(at) => (at + 1, true),
                    None => (chunk.len(), false),
                };
                let content = &chunk[..if ended { taken - 1 } else { taken }];
                if !too_long {
                    if self.buffer.len() + content.len() > self.max_line {
                        too_long = true;
                        self.buffer.clear();
                    } else {
                        self.buffer.extend_from_slice(content);
                    }
                }
                self.input.consume(taken);
                self.inflated += taken as u64;
                if let Some(compressed) = &self.compressed {
                    let compressed = compressed.load(Ordering::Relaxed).max(1);
                    if self.inflated > BOMB_FLOOR && self.inflated / compressed > BOMB_RATIO {
                        self.done = true;
                        return Some(Err(LineError {
                            line: self.line,
                            message: format!(
                                "the gzip stream inflates {} times over ({} MiB from {} KiB): not read further",
                                self.inflated / compressed,
                                self.inflated >> 20,
                                compressed >> 10
                            ),
                            fatal: true,
                        }));
                    }
                }
                if ended {
                    break;
                }
            }
            if too_long {
                return Some(Err(LineError {
                    line: self.line,
                    message: format!("the line is longer than {} MiB: skipped", self.max_line >> 20),
                    fatal: false,
                }));
            }
            if self.buffer.last() == Some(&b'\r') {
                self.buffer.pop();
            }
            if self.buffer.iter().all(u8::is_ascii_whitespace) {
                if self.done {
                    return None;
                }
                continue;
            }
            return Some(Ok((self.line, &self.buffer)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    fn lines(reader: &mut LogReader) -> Vec<Result<(usize, String), LineError>> {
        let mut out = Vec::new();
        while let Some(next) = reader.next_line() {
            out.push(next.map(|(line, bytes)| (line, String::from_utf8_lossy(bytes).into_owned())));
        }
        out
    }

    #[test]
    fn lines_are_numbered_blank_ones_passed_over_and_long_ones_skipped() {
        let text = format!("{{\"a\":1}}\r\n\n{}\n{{\"b\":2}}", "x".repeat(40));
        let mut reader = LogReader::new(Box::new(io::Cursor::new(text.into_bytes())), 32).unwrap();
        let read = lines(&mut reader);
        assert_eq!(read[0], Ok((1, "{\"a\":1}".to_string())));
        assert_eq!(read[1].as_ref().unwrap_err().line, 3);
        assert!(read[1].as_ref().unwrap_err().message.contains("longer than"));
        assert_eq!(read[2], Ok((4, "{\"b\":2}".to_string())));
        assert_eq!(read.len(), 3);
    }

    #[test]
    fn gzip_is_read_by_its_magic_bytes_and_a_bomb_is_stopped() {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(b"{\"a\":1}\n{\"b\":2}\n").unwrap();
        let gz = encoder.finish().unwrap();
        let mut reader = LogReader::new(Box::new(io::Cursor::new(gz)), DEFAULT_MAX_LINE).unwrap();
        assert_eq!(lines(&mut reader).len(), 2);

        let mut bomb = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![b'0'; 1 << 20];
        for _ in 0..200 {
            bomb.write_all(&zeros).unwrap();
        }
        let bomb = bomb.finish().unwrap();
        assert!(bomb.len() < 1 << 20);
        let mut reader = LogReader::new(Box::new(io::Cursor::new(bomb)), DEFAULT_MAX_LINE).unwrap();
        let read = lines(&mut reader);
        let error = read.last().unwrap().as_ref().unwrap_err();
        assert!(error.fatal && error.message.contains("inflates"), "{error:?}");
    }
}
