//! `.trivyignore`: one id per line, `#` comments, an optional
//! `exp:YYYY-MM-DD` after which the line no longer applies (from midnight
//! UTC of that day, as in Trivy). An expiry that does not parse makes the
//! line apply to nothing, as Trivy does: an ignore never widens by
//! mistake. Rampart reads these lines to report them (an undated
//! ignore is a waiver with no owner and no end); accepting a risk is the
//! exceptions file's job.

/// One line that ignores an id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreLine {
    pub id: String,
    /// `YYYY-MM-DD`, when the line has a valid expiry.
    pub expires: Option<String>,
    pub line: usize,
}

/// What a `.trivyignore` holds: the lines, and those refused with why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IgnoreFile {
    pub lines: Vec<IgnoreLine>,
    /// (line, why) for lines that apply to nothing.
    pub refused: Vec<(usize, String)>,
}

fn is_date(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    let digits = |part: &str, length: usize| part.len() == length && part.bytes().all(|byte| byte.is_ascii_digit());
    parts.len() == 3
        && digits(parts[0], 4)
        && digits(parts[1], 2)
        && digits(parts[2], 2)
        && matches!(parts[1].parse::<u8>(), Ok(1..=12))
        && matches!(parts[2].parse::<u8>(), Ok(1..=31))
}

/// Reads a `.trivyignore`.
pub fn read_trivyignore(text: &str) -> IgnoreFile {
    let mut file = IgnoreFile::default();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let content = raw.split('#').next().unwrap_or("").trim();
        let mut words = content.split_whitespace();
        let Some(id) = words.next() else {
            continue;
        };
        let mut expires = None;
        let mut refused = None;
        for word in words {
            if let Some(date) = word.strip_prefix("exp:") {
                if is_date(date) {
                    expires = Some(date.to_string());
                } else {
                    refused = Some(format!(
                        "`{word}` is not a date (YYYY-MM-DD): the line applies to nothing"
                    ));
                }
            }
        }
        match refused {
            Some(why) => file.refused.push((line, why)),
            None => file.lines.push(IgnoreLine {
                id: id.to_string(),
                expires,
                line,
            }),
        }
    }
    file
}

impl IgnoreLine {
    /// Whether the line still applies on `today` (`YYYY-MM-DD`): it stops
    /// at the start of its expiry day.
    pub fn applies_on(&self, today: &str) -> bool {
        self.expires.as_deref().is_none_or(|expires| today < expires)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_expiries_and_comments_are_read() {
        let file = read_trivyignore(
            "# vulnerabilities\nCVE-2019-0001\n  CVE-2019-0004 exp:2020-01-01 # old\nCVE-2019-0006 exp:9999-01-01 key2:value2\nCVE-2019-0007 exp:2020-13-01\n\n",
        );
        let ids: Vec<(&str, Option<&str>, usize)> = file
            .lines
            .iter()
            .map(|line| (line.id.as_str(), line.expires.as_deref(), line.line))
            .collect();
        assert_eq!(
            ids,
            [
                ("CVE-2019-0001", None, 2),
                ("CVE-2019-0004", Some("2020-01-01"), 3),
                ("CVE-2019-0006", Some("9999-01-01"), 4)
            ]
        );
        assert_eq!(file.refused.len(), 1);
        assert_eq!(file.refused[0].0, 5);
        assert!(file.lines[1].applies_on("2019-12-31"));
        assert!(!file.lines[1].applies_on("2020-01-01"));
        assert!(file.lines[0].applies_on("2999-01-01"));
    }
}
