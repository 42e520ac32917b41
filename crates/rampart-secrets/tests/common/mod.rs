//! Expands the catalogue's example templates into fake credentials.
//!
//! `{class:n}` is n random characters of a class; `{jwt}`, `{basicauth}`
//! and `{pem:n}` build structured values. Anything else is literal text.

#![allow(dead_code)]

use base64::Engine;

/// A small deterministic generator (splitmix64): the same seed gives the
/// same credentials on every run.
pub struct Random(u64);

impl Random {
    pub fn new(seed: u64) -> Self {
        Random(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn pick(&mut self, alphabet: &[u8], length: usize) -> String {
        (0..length)
            .map(|_| alphabet[(self.next() % alphabet.len() as u64) as usize] as char)
            .collect()
    }
}

fn alphabet(class: &str) -> Option<&'static [u8]> {
    Some(match class {
        "alnum" => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
        "alpha" => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
        "upper" => b"ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "lower" => b"abcdefghijklmnopqrstuvwxyz",
        "lowernum" => b"abcdefghijklmnopqrstuvwxyz0123456789",
        "digit" => b"0123456789",
        "hex" => b"0123456789abcdef",
        "HEX" => b"0123456789ABCDEF",
        "base32" => b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
        "bech32" => b"QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L",
        "b64" => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
        "b64url" => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
        _ => return None,
    })
}

/// One piece of a template.
#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Literal(String),
    Class(String, usize),
    Jwt,
    BasicAuth,
    Pem(usize),
}

fn parse(template: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        literal.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let placeholder = after.find('}').and_then(|close| {
            let body = &after[..close];
            let piece = match body.split_once(':') {
                Some(("pem", n)) => n.parse().ok().map(Piece::Pem),
                Some((class, n)) if alphabet(class).is_some() => n.parse().ok().map(|n| Piece::Class(class.into(), n)),
                None if body == "jwt" => Some(Piece::Jwt),
                None if body == "basicauth" => Some(Piece::BasicAuth),
                _ => None,
            };
            piece.map(|piece| (piece, close))
        });
        match placeholder {
            Some((piece, close)) => {
                if !literal.is_empty() {
                    pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                }
                pieces.push(piece);
                rest = &after[close + 1..];
            }
            None => {
                literal.push('{');
                rest = after;
            }
        }
    }
    literal.push_str(rest);
    if !literal.is_empty() {
        pieces.push(Piece::Literal(literal));
    }
    pieces
}

fn render(pieces: &[Piece], random: &mut Random) -> String {
    let url = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut out = String::new();
    for piece in pieces {
        match piece {
            Piece::Literal(text) => out.push_str(text),
            Piece::Class(class, n) => out.push_str(&random.pick(alphabet(class).unwrap(), *n)),
            Piece::Jwt => {
                let header = url.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
                let subject = random.pick(alphabet("alnum").unwrap(), 12);
                let payload = url.encode(format!(r#"{{"sub":"{subject}","iat":1700000000}}"#));
                let signature = random.pick(alphabet("b64url").unwrap(), 43);
                out.push_str(&format!("{header}.{payload}.{signature}"));
            }
            Piece::BasicAuth => {
                let password = random.pick(alphabet("alnum").unwrap(), 16);
                out.push_str(&base64::engine::general_purpose::STANDARD.encode(format!("deploy:{password}")));
            }
            Piece::Pem(n) => {
                let body = random.pick(alphabet("b64").unwrap(), *n);
                let lines: Vec<&str> = body
                    .as_bytes()
                    .chunks(64)
                    .map(|chunk| std::str::from_utf8(chunk).unwrap())
                    .collect();
                out.push_str(&lines.join("\n"));
            }
        }
    }
    out
}

/// The example as a credential.
pub fn expand(template: &str, random: &mut Random) -> String {
    render(&parse(template), random)
}

/// The default near miss: the example with its last random run one
/// character short.
pub fn shortened(template: &str, random: &mut Random) -> String {
    let mut pieces = parse(template);
    if let Some(Piece::Class(_, n)) = pieces.iter_mut().rev().find(|piece| matches!(piece, Piece::Class(..))) {
        *n -= 1;
    }
    render(&pieces, random)
}
