//! A test case: a small in-memory project. `files[0]` is the file being fuzzed (an entry);
//! the others are fixed companions (the other files of an example project). Cases cross
//! the pipe to the worker in a simple length-prefixed encoding.

use std::io::{self, Read, Write};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    /// `(project-relative path, bytes)`; the first is the fuzzed file.
    pub files: Vec<(String, Vec<u8>)>,
    /// Entry files, project-relative (the fuzzed file is always one).
    pub entries: Vec<String>,
}

impl Case {
    /// A one-file project whose `main.ced` is `text`.
    pub fn single(text: impl Into<Vec<u8>>) -> Case {
        Case { files: vec![("main.ced".into(), text.into())], entries: vec!["main.ced".into()] }
    }
    /// The fuzzed file's bytes.
    pub fn main(&self) -> &[u8] {
        self.files.first().map(|f| f.1.as_slice()).unwrap_or_default()
    }
    /// The same project with the fuzzed file replaced.
    pub fn with_main(&self, bytes: Vec<u8>) -> Case {
        let mut c = self.clone();
        if let Some(f) = c.files.first_mut() {
            f.1 = bytes;
        }
        c
    }
    pub fn encode(&self, flags: u8, out: &mut impl Write) -> io::Result<()> {
        out.write_all(&[flags])?;
        write_u32(out, self.files.len())?;
        for (name, bytes) in &self.files {
            write_bytes(out, name.as_bytes())?;
            write_bytes(out, bytes)?;
        }
        write_u32(out, self.entries.len())?;
        for e in &self.entries {
            write_bytes(out, e.as_bytes())?;
        }
        Ok(())
    }
    /// The next case and its flags; `None` at the end of the input.
    pub fn decode(input: &mut impl Read) -> io::Result<Option<(u8, Case)>> {
        let mut flag = [0u8];
        if input.read(&mut flag)? == 0 {
            return Ok(None);
        }
        let mut files = Vec::new();
        for _ in 0..read_u32(input)? {
            let name = String::from_utf8_lossy(&read_bytes(input)?).into_owned();
            files.push((name, read_bytes(input)?));
        }
        let mut entries = Vec::new();
        for _ in 0..read_u32(input)? {
            entries.push(String::from_utf8_lossy(&read_bytes(input)?).into_owned());
        }
        Ok(Some((flag[0], Case { files, entries })))
    }
}

fn write_u32(out: &mut impl Write, n: usize) -> io::Result<()> {
    let n = u32::try_from(n).map_err(|_| io::Error::other("case too large"))?;
    out.write_all(&n.to_le_bytes())
}
fn write_bytes(out: &mut impl Write, b: &[u8]) -> io::Result<()> {
    write_u32(out, b.len())?;
    out.write_all(b)
}
fn read_u32(input: &mut impl Read) -> io::Result<usize> {
    let mut b = [0u8; 4];
    input.read_exact(&mut b)?;
    Ok(u32::from_le_bytes(b) as usize)
}
fn read_bytes(input: &mut impl Read) -> io::Result<Vec<u8>> {
    let n = read_u32(input)?;
    let mut v = vec![0u8; n];
    input.read_exact(&mut v)?;
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::Case;

    #[test]
    fn round_trip() {
        let c = Case {
            files: vec![("main.ced".into(), b"env prod {}\xff".to_vec()), ("lib/a.ced".into(), b"let a = 1".to_vec())],
            entries: vec!["main.ced".into()],
        };
        let mut buf = Vec::new();
        c.encode(3, &mut buf).unwrap();
        c.encode(0, &mut buf).unwrap();
        let mut r = buf.as_slice();
        assert_eq!(Case::decode(&mut r).unwrap(), Some((3, c.clone())));
        assert_eq!(Case::decode(&mut r).unwrap(), Some((0, c)));
        assert_eq!(Case::decode(&mut r).unwrap(), None);
    }
}
