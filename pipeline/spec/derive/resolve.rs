//! Names and codes of the text resolved against the interface: a name is an item whose name
//! (or the tail of its group path, the 3.10 names being `group sub-group name`) is the same in
//! normal form; codes must be in that item's code list.

use super::Field;
use super::text::{fold, label_eq, norm, sentences};
use crate::spec::{Item, Schema};

/// One interface and the sentences of each item's 説明 and 備考, in item order.
pub struct Ctx<'a> {
    pub schema: &'a Schema,
    pub texts: Vec<Vec<(Field, String)>>,
}

impl<'a> Ctx<'a> {
    pub fn new(schema: &'a Schema) -> Self {
        let texts = schema
            .items
            .iter()
            .map(|i| {
                let mut v = Vec::new();
                for (field, text) in [(Field::Desc, &i.desc), (Field::Note, &i.note)] {
                    if let Some(t) = text {
                        v.extend(sentences(t).into_iter().map(|s| (field, s)));
                    }
                }
                v
            })
            .collect();
        Ctx { schema, texts }
    }

    pub fn item(&self, at: usize) -> &'a Item {
        &self.schema.items[at]
    }

    /// Whether the item at `at` carries this exact sentence.
    pub fn says(&self, at: usize, sentence: &str) -> bool {
        self.texts[at].iter().any(|(_, s)| s == sentence)
    }

    /// The one item `name` names. Several candidates are narrowed to those having every code
    /// of `codes` under a matching label; anything but exactly one is an error saying why.
    pub fn by_name(&self, name: &str, codes: &[(String, String)]) -> Result<&'a Item, String> {
        let want = norm(name);
        let mut found: Vec<&Item> = self
            .schema
            .items
            .iter()
            .filter(|i| names(i).any(|n| n == want))
            .collect();
        if found.len() > 1 && !codes.is_empty() {
            found.retain(|i| {
                codes.iter().all(|(c, l)| {
                    i.codes
                        .iter()
                        .any(|k| k.code == *c && label_eq(l, &k.label))
                })
            });
        }
        match found.as_slice() {
            [one] => Ok(one),
            [] => Err(format!(
                "「{}」 names no item of the interface",
                name.trim()
            )),
            many => Err(format!(
                "「{}」 names several items: {}",
                name.trim(),
                many.iter()
                    .map(|i| i.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }
}

/// The names an item answers to: its whole name and every tail of its group path.
fn names(item: &Item) -> impl Iterator<Item = String> + '_ {
    let parts: Vec<&str> = item.name.split_whitespace().collect();
    (0..parts.len().max(1)).map(move |k| norm(&parts[k.min(parts.len())..].concat()))
}

/// The code values of `codes` in `item`'s code list, and a note for every label that does not
/// match the list's (the value is what the file holds, so it decides).
pub fn codes_of(
    item: &Item,
    codes: &[(String, String)],
) -> Result<(Vec<String>, Vec<String>), String> {
    if item.codes.is_empty() {
        return Err(format!("{} has no code list", item.id));
    }
    let mut values = Vec::new();
    let mut notes = Vec::new();
    for (c, l) in codes {
        let Some(k) = item.codes.iter().find(|k| k.code == *c) else {
            return Err(format!("{c} is not a code of {}", item.id));
        };
        if !label_eq(l, &k.label) {
            notes.push(format!(
                "the text's 「{c}：{l}」 is {c}：{} in the code list of {}",
                k.label, item.id
            ));
        }
        values.push(c.clone());
    }
    Ok((values, notes))
}

/// `1：有り`-style code mentions: `(code, label)`, or `None` when a part is not one.
pub fn parse_codes(text: &str) -> Option<Vec<(String, String)>> {
    let t = text.trim();
    let t = t
        .strip_prefix('（')
        .and_then(|t| t.strip_suffix('）'))
        .or_else(|| t.strip_prefix('(').and_then(|t| t.strip_suffix(')')))
        .unwrap_or(t);
    let mut out = Vec::new();
    for part in t
        .split(['、', ','])
        .flat_map(|p| p.split("若しくは"))
        .flat_map(|p| p.split("又は"))
    {
        let part = part.trim();
        let (code, label) = part.split_once(['：', ':'])?;
        let code = fold(code);
        if code.is_empty() || !code.bytes().all(|b| b.is_ascii_digit()) || label.trim().is_empty() {
            return None;
        }
        out.push((code, label.trim().to_string()));
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::derive::tests::schema;

    #[test]
    fn a_name_resolves_by_its_tail_and_several_by_the_code_labels() {
        let s = schema(&[
            (
                "food",
                "栄養補給法 経口摂取",
                "○",
                "0:無し|1:一部経口|2:経口のみ",
                "",
            ),
            ("rising", "立ち上がり", "○", "0:全介助|1:一部介助", ""),
            ("is_rising", "立ち上がり", "○", "0:無し|1:有り", ""),
        ]);
        let ctx = Ctx::new(&s);
        assert_eq!(ctx.by_name("経口摂取", &[]).unwrap().id, "food");
        let one = [("1".to_string(), "有り".to_string())];
        assert_eq!(ctx.by_name("立ち上がり", &one).unwrap().id, "is_rising");
        assert!(
            ctx.by_name("立ち上がり", &[])
                .unwrap_err()
                .contains("several")
        );
        assert!(
            ctx.by_name("歯の本数の問題", &[])
                .unwrap_err()
                .contains("no item")
        );
    }

    #[test]
    fn codes_are_values_of_the_list_and_a_differing_label_is_noted() {
        let s = schema(&[("food", "経口摂取", "○", "0:無し|1:一部経口|2:経口のみ", "")]);
        let codes = parse_codes("（1：一部若しくは2：完全）").unwrap();
        let (values, notes) = codes_of(&s.items[0], &codes).unwrap();
        assert_eq!(values, ["1", "2"]);
        assert_eq!(notes.len(), 1);
        assert!(codes_of(&s.items[0], &parse_codes("3：不明").unwrap()).is_err());
        assert_eq!(parse_codes("有りの"), None);
    }
}
