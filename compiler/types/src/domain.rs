//! Domain literal types: strings and integers with a Kubernetes meaning. The checker
//! validates literals at compile time; evaluation validates computed values with the
//! same functions and codes.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Domain {
    /// DNS-1123 subdomain: object names.
    Name,
    /// DNS-1123 label: namespaces, environment and component names.
    Label,
    Port,
    Quantity,
    Hostname,
    Duration,
}

impl Domain {
    pub const ALL: [Domain; 6] =
        [Domain::Name, Domain::Label, Domain::Port, Domain::Quantity, Domain::Hostname, Domain::Duration];

    pub fn name(self) -> &'static str {
        match self {
            Domain::Name => "Name",
            Domain::Label => "Label",
            Domain::Port => "Port",
            Domain::Quantity => "Quantity",
            Domain::Hostname => "Hostname",
            Domain::Duration => "Duration",
        }
    }
    pub fn from_name(s: &str) -> Option<Domain> {
        Domain::ALL.into_iter().find(|d| d.name() == s)
    }
    /// Integer-based (Port) or string-based (the rest).
    pub fn is_int(self) -> bool {
        self == Domain::Port
    }
    pub fn code(self) -> &'static str {
        match self {
            Domain::Name | Domain::Label => "E0040",
            Domain::Port => "E0041",
            Domain::Quantity => "E0042",
            Domain::Hostname => "E0043",
            Domain::Duration => "E0044",
        }
    }
    pub fn help(self) -> &'static str {
        match self {
            Domain::Name => {
                "a Kubernetes name is at most 253 characters of lowercase letters, digits, `-` and `.`, starting and ending with a letter or digit (DNS-1123 subdomain)"
            }
            Domain::Label => {
                "a label is at most 63 characters of lowercase letters, digits and `-`, starting and ending with a letter or digit (DNS-1123 label)"
            }
            Domain::Port => "a port is an integer from 1 to 65535",
            Domain::Quantity => {
                "a quantity is a number with an optional suffix: `100m`, `0.5`, `512Mi`, `2Gi`, `1k`, `1e3`"
            }
            Domain::Hostname => {
                "a hostname is lowercase DNS labels separated by dots, such as `app.example.org`; `*.example.org` is a wildcard"
            }
            Domain::Duration => {
                "a duration is a sequence of numbers with units ns, us, ms, s, m, h: `30s`, `1h30m`, `500ms`"
            }
        }
    }

    /// Check a string value. `Err` carries the reason.
    pub fn check_str(self, s: &str) -> Result<(), String> {
        match self {
            Domain::Name => dns_subdomain(s),
            Domain::Label => dns_label(s),
            Domain::Quantity => quantity(s),
            Domain::Hostname => hostname(s),
            Domain::Duration => duration(s),
            Domain::Port => Err("a port is an integer, not a string".into()),
        }
    }
    pub fn check_int(self, i: i64) -> Result<(), String> {
        match self {
            Domain::Port if (1..=65535).contains(&i) => Ok(()),
            Domain::Port => Err(format!("{i} is outside 1..=65535")),
            _ => Err(format!("a {} is a string, not an integer", self.name())),
        }
    }
}

impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Only lowercase letters, digits and `-` (shared by labels and subdomain parts).
fn dns_chars(s: &str) -> Result<(), String> {
    match s.chars().find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')) {
        Some(c) if c.is_ascii_uppercase() => Err(format!("it contains the uppercase letter `{c}`")),
        Some(c) => Err(format!("it contains `{c}`")),
        None => Ok(()),
    }
}

/// Whether `s` is a valid DNS subdomain (`dotted`) or label, in one pass over its bytes:
/// what evaluation asks of every name it makes (20,000 at platform-1,000), nearly all
/// valid. The checks below say what is wrong; this only says nothing is.
fn valid_dns(s: &str, dotted: bool, max: usize) -> bool {
    let mut previous = b'.';
    for &c in s.as_bytes() {
        let fine = match c {
            b'a'..=b'z' | b'0'..=b'9' => true,
            // Not first in a part.
            b'-' => previous != b'.',
            // Ends a part that is not empty and does not end with `-`.
            b'.' => dotted && previous != b'.' && previous != b'-',
            _ => false,
        };
        if !fine {
            return false;
        }
        previous = c;
    }
    !s.is_empty() && s.len() <= max && previous != b'-' && previous != b'.'
}

pub fn dns_label(s: &str) -> Result<(), String> {
    if valid_dns(s, false, 63) {
        return Ok(());
    }
    if s.is_empty() {
        return Err("it is empty".into());
    }
    if s.len() > 63 {
        return Err(format!("it is {} characters long; the limit is 63", s.len()));
    }
    dns_chars(s)?;
    if s.starts_with('-') || s.ends_with('-') {
        return Err("it starts or ends with `-`".into());
    }
    Ok(())
}

pub fn dns_subdomain(s: &str) -> Result<(), String> {
    if valid_dns(s, true, 253) {
        return Ok(());
    }
    if s.is_empty() {
        return Err("it is empty".into());
    }
    if s.len() > 253 {
        return Err(format!("it is {} characters long; the limit is 253", s.len()));
    }
    for part in s.split('.') {
        if part.is_empty() {
            return Err("it has an empty part between dots".into());
        }
        dns_chars(part)?;
        if part.starts_with('-') || part.ends_with('-') {
            return Err("a part starts or ends with `-`".into());
        }
    }
    Ok(())
}

pub fn hostname(s: &str) -> Result<(), String> {
    let rest = s.strip_prefix("*.").unwrap_or(s);
    if rest.len() > 253 {
        return Err("it is longer than 253 characters".into());
    }
    if rest.contains('*') {
        return Err("`*` is only allowed as the whole first label (`*.example.org`)".into());
    }
    for label in rest.split('.') {
        dns_label(label).map_err(|e| {
            if label.is_empty() { "it has an empty label".to_string() } else { format!("label `{label}`: {e}") }
        })?;
    }
    Ok(())
}

/// Kubernetes resource quantity (apimachinery's `resource.Quantity` grammar), the same
/// rule the schema validator applies to `format: quantity`.
pub use cedc_schema::validate::quantity;

/// Go-style duration: one or more `<number><unit>`.
pub fn duration(s: &str) -> Result<(), String> {
    if s == "0" {
        return Ok(());
    }
    let mut rest = s;
    if rest.is_empty() {
        return Err("it is empty".into());
    }
    while !rest.is_empty() {
        let n = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        if n == 0 {
            return Err(format!("expected a number at `{rest}`"));
        }
        rest = &rest[n..];
        let unit = ["ns", "us", "µs", "ms", "s", "m", "h"].into_iter().find(|u| rest.starts_with(u));
        match unit {
            // `ms` before `m` and `s` thanks to the order above.
            Some(u) => rest = &rest[u.len()..],
            None => return Err("a number needs a unit (ns, us, ms, s, m, h)".into()),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_one_pass_agrees_with_the_checks() {
        // Every string of up to four characters from an alphabet that can break each
        // rule, and longer ones around the length limits.
        let alphabet = ['a', 'z', '0', '9', '-', '.', 'A', '_', 'é'];
        let mut strings = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> =
                strings.iter().flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}"))).collect();
            strings.extend(longer);
        }
        for n in [62, 63, 64, 252, 253, 254] {
            strings.push("a".repeat(n));
            strings.push(format!("{}.b", "a".repeat(n.saturating_sub(2))));
        }
        let slow_label = |s: &str| s.len() <= 63 && slow_label_part(s);
        let slow_subdomain = |s: &str| !s.is_empty() && s.len() <= 253 && s.split('.').all(slow_label_part);
        for s in &strings {
            assert_eq!(valid_dns(s, false, 63), slow_label(s), "label {s:?}");
            assert_eq!(valid_dns(s, true, 253), slow_subdomain(s), "subdomain {s:?}");
            assert_eq!(dns_label(s).is_ok(), slow_label(s), "label {s:?}");
            assert_eq!(dns_subdomain(s).is_ok(), slow_subdomain(s), "subdomain {s:?}");
        }
    }

    /// A label, or a part of a subdomain, as the checks above see it (length aside).
    fn slow_label_part(part: &str) -> bool {
        !part.is_empty() && dns_chars(part).is_ok() && !part.starts_with('-') && !part.ends_with('-')
    }

    #[test]
    fn names_and_labels() {
        assert!(dns_subdomain("argocd-server.v1").is_ok());
        assert!(dns_subdomain("Argo").unwrap_err().contains("uppercase"));
        assert!(dns_subdomain("a..b").is_err());
        assert!(dns_subdomain(&"a".repeat(254)).is_err());
        assert!(dns_label("web-1").is_ok());
        assert!(dns_label("web.1").is_err());
        assert!(dns_label("-web").is_err());
        assert!(dns_label(&"a".repeat(64)).is_err());
    }

    #[test]
    fn quantities() {
        for ok in ["100m", "0.5", "512Mi", "2Gi", "1", "1e3", "1.5G", "+1k", "5E2"] {
            assert!(quantity(ok).is_ok(), "{ok}");
        }
        for bad in ["", "Mi", "512MB", "1.2.3", "abc", "1ee3", "12 Mi"] {
            assert!(quantity(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn hostnames_and_durations() {
        assert!(hostname("argocd.omni.cedille.club").is_ok());
        assert!(hostname("*.omni.cedille.club").is_ok());
        assert!(hostname("a.*.b").is_err());
        assert!(hostname("Argo.club").is_err());
        assert!(hostname("a..b").is_err());
        for ok in ["30s", "1h30m", "500ms", "0", "1.5h"] {
            assert!(duration(ok).is_ok(), "{ok}");
        }
        for bad in ["", "30", "s", "1d", "1h 30m"] {
            assert!(duration(bad).is_err(), "{bad}");
        }
        assert!(Domain::Port.check_int(0).is_err());
        assert!(Domain::Port.check_int(65535).is_ok());
    }
}
