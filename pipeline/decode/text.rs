//! Text width and kana: code-like values, comparison keys for labels and headers, and the
//! half-width katakana LIFE's kana columns want.
//!
//! Value normalisation is per field type, never a global NFKC: [`code`] and [`label_key`] apply
//! NFKC (keys and codes only), names are never folded, and [`half_width_kana`] maps kana by
//! hand without touching anything else.

use std::borrow::Cow;

use unicode_normalization::UnicodeNormalization;

/// `s` in NFKC; borrowed, without any table look-up, when every character is one NFKC leaves
/// alone and none combines with its neighbour: ASCII, hiragana, katakana (ー ・ included), the
/// CJK unified ideographs and 、。「」『』. Only the rest (full-width ASCII, half-width kana, the
/// ideographic space, circled and Roman numerals, combining marks …) pays for normalisation.
pub fn nfkc(s: &str) -> Cow<'_, str> {
    let stable = |c: char| {
        matches!(c,
            '\0'..='\x7F'
            | '\u{3041}'..='\u{3096}'
            | '\u{30A1}'..='\u{30FC}'
            | '\u{4E00}'..='\u{9FFF}'
            | '\u{3001}' | '\u{3002}' | '\u{300C}'..='\u{300F}')
    };
    if s.is_ascii() || s.chars().all(stable) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.nfkc().collect())
    }
}

/// Code-like values (要介護度, numbers, IDs): NFKC (full-width ASCII → ASCII), trimmed of
/// half- and full-width spaces, inner white space removed.
///
/// Zero-width characters (U+200B–U+200D, U+2060, U+FEFF) are removed with the white space.
pub fn code(s: &str) -> String {
    code_cow(s).into_owned()
}

/// [`code`], borrowing a value that is already a code: printable ASCII, no space (most are).
pub fn code_cow(s: &str) -> Cow<'_, str> {
    if s.bytes().all(|b| b.is_ascii_graphic()) {
        return Cow::Borrowed(s);
    }
    let n = nfkc(s);
    let mut out = String::with_capacity(n.len());
    out.extend(n.chars().filter(|&c| !is_blank(c)));
    Cow::Owned(out)
}

/// A key to compare labels and header names: NFKC; all white space removed (incl. U+3000, and
/// zero-width characters such as a stray BOM); dash-like characters (U+2010–U+2015, U+2212,
/// U+FE63, U+FF0D and `-`) become `-`; the wave dash U+301C and U+FF5E become `~`; ASCII
/// letters are lower-cased.
///
/// Roman numerals come out as ASCII letters (NFKC turns `Ⅱ` into `II`), so `Ⅱa`, `Ⅱａ`, `IIa`
/// and `ⅱa` share the key `iia`. The long vowel mark `ー` is kept as it is.
pub fn label_key(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    out.extend(nfkc(s).chars().filter_map(key_char));
    out
}

/// Katakana or hiragana (full- or half-width) → half-width katakana, as LIFE's kana columns
/// want (ﾐﾎﾝ ｲﾁﾛｳ). Voiced/semi-voiced marks become two characters (ガ → ｶﾞ, パ → ﾊﾟ, ヴ → ｳﾞ).
/// Small kana map to small half-width kana (ャ → ｬ, ッ → ｯ); ー → ｰ; full-width space → half-width
/// space; the middle dot ・ → ･. Characters with no half-width form (ヰ ヱ ヮ ヵ ヶ, kanji,
/// Latin) are an error naming the first such character: `Err(ch)`.
///
/// Half-width katakana (U+FF61–U+FF9F) and the ASCII space pass through unchanged; the
/// stand-alone and combining sound marks (゛ ゜ U+3099 U+309A) become ﾞ ﾟ, so decomposed input
/// (カ + U+3099) converts too. ヷ and ヺ become ﾜﾞ and ｦﾞ.
pub fn half_width_kana(s: &str) -> Result<String, char> {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let (base, mark) = half_width_of(hiragana_to_katakana(c)).ok_or(c)?;
        out.push(base);
        if let Some(mark) = mark {
            out.push(mark);
        }
    }
    Ok(out)
}

/// White space, or an invisible zero-width character.
fn is_blank(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

/// One character of a [`label_key`], after NFKC; `None` drops it.
fn key_char(c: char) -> Option<char> {
    if is_blank(c) {
        return None;
    }
    Some(match c {
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE63}' | '\u{FF0D}' => '-',
        '\u{301C}' | '\u{FF5E}' => '~',
        _ => c.to_ascii_lowercase(),
    })
}

/// ぁ–ゖ (U+3041–U+3096) → ァ–ヶ (U+30A1–U+30F6); anything else unchanged.
fn hiragana_to_katakana(c: char) -> char {
    if ('\u{3041}'..='\u{3096}').contains(&c) {
        char::from_u32(u32::from(c) + 0x60).unwrap_or(c)
    } else {
        c
    }
}

/// Dakuten (voiced sound mark), half-width.
const V: Option<char> = Some('ﾞ');
/// Handakuten (semi-voiced sound mark), half-width.
const P: Option<char> = Some('ﾟ');

/// The half-width form of one character: a base and an optional sound mark.
fn half_width_of(c: char) -> Option<(char, Option<char>)> {
    let pair = match c {
        // Already half-width (｡ ｢ ｣ ､ ･ ｦ … ﾝ ﾞ ﾟ), and the ASCII space.
        '\u{FF61}'..='\u{FF9F}' | ' ' => (c, None),
        '\u{3000}' => (' ', None),
        '・' => ('･', None),
        'ー' => ('ｰ', None),
        '゛' | '\u{3099}' => ('ﾞ', None),
        '゜' | '\u{309A}' => ('ﾟ', None),

        'ァ' => ('ｧ', None),
        'ア' => ('ｱ', None),
        'ィ' => ('ｨ', None),
        'イ' => ('ｲ', None),
        'ゥ' => ('ｩ', None),
        'ウ' => ('ｳ', None),
        'ェ' => ('ｪ', None),
        'エ' => ('ｴ', None),
        'ォ' => ('ｫ', None),
        'オ' => ('ｵ', None),

        'カ' => ('ｶ', None),
        'ガ' => ('ｶ', V),
        'キ' => ('ｷ', None),
        'ギ' => ('ｷ', V),
        'ク' => ('ｸ', None),
        'グ' => ('ｸ', V),
        'ケ' => ('ｹ', None),
        'ゲ' => ('ｹ', V),
        'コ' => ('ｺ', None),
        'ゴ' => ('ｺ', V),

        'サ' => ('ｻ', None),
        'ザ' => ('ｻ', V),
        'シ' => ('ｼ', None),
        'ジ' => ('ｼ', V),
        'ス' => ('ｽ', None),
        'ズ' => ('ｽ', V),
        'セ' => ('ｾ', None),
        'ゼ' => ('ｾ', V),
        'ソ' => ('ｿ', None),
        'ゾ' => ('ｿ', V),

        'タ' => ('ﾀ', None),
        'ダ' => ('ﾀ', V),
        'チ' => ('ﾁ', None),
        'ヂ' => ('ﾁ', V),
        'ッ' => ('ｯ', None),
        'ツ' => ('ﾂ', None),
        'ヅ' => ('ﾂ', V),
        'テ' => ('ﾃ', None),
        'デ' => ('ﾃ', V),
        'ト' => ('ﾄ', None),
        'ド' => ('ﾄ', V),

        'ナ' => ('ﾅ', None),
        'ニ' => ('ﾆ', None),
        'ヌ' => ('ﾇ', None),
        'ネ' => ('ﾈ', None),
        'ノ' => ('ﾉ', None),

        'ハ' => ('ﾊ', None),
        'バ' => ('ﾊ', V),
        'パ' => ('ﾊ', P),
        'ヒ' => ('ﾋ', None),
        'ビ' => ('ﾋ', V),
        'ピ' => ('ﾋ', P),
        'フ' => ('ﾌ', None),
        'ブ' => ('ﾌ', V),
        'プ' => ('ﾌ', P),
        'ヘ' => ('ﾍ', None),
        'ベ' => ('ﾍ', V),
        'ペ' => ('ﾍ', P),
        'ホ' => ('ﾎ', None),
        'ボ' => ('ﾎ', V),
        'ポ' => ('ﾎ', P),

        'マ' => ('ﾏ', None),
        'ミ' => ('ﾐ', None),
        'ム' => ('ﾑ', None),
        'メ' => ('ﾒ', None),
        'モ' => ('ﾓ', None),

        'ャ' => ('ｬ', None),
        'ヤ' => ('ﾔ', None),
        'ュ' => ('ｭ', None),
        'ユ' => ('ﾕ', None),
        'ョ' => ('ｮ', None),
        'ヨ' => ('ﾖ', None),

        'ラ' => ('ﾗ', None),
        'リ' => ('ﾘ', None),
        'ル' => ('ﾙ', None),
        'レ' => ('ﾚ', None),
        'ロ' => ('ﾛ', None),

        'ワ' => ('ﾜ', None),
        'ヲ' => ('ｦ', None),
        'ン' => ('ﾝ', None),
        'ヴ' => ('ｳ', V),
        'ヷ' => ('ﾜ', V),
        'ヺ' => ('ｦ', V),

        // ヮ ヰ ヱ ヵ ヶ ヸ ヹ, iteration marks, kanji, Latin, digits, …
        _ => return None,
    };
    Some(pair)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The shortcut never changes the result: ASCII, the whole kana and CJK symbols blocks,
        /// full-width and half-width forms, numerals, ideographs (compatibility ones included).
        #[test]
        fn nfkc_shortcut_is_nfkc(s in "[\\x00-\\x7F\\u{3000}-\\u{30FF}ｦ-ﾟ０-ｚⅠ-ⅻ①-⑳㈱一-龥\\u{9FA6}-\\u{9FFF}髙﨑]{0,12}") {
            proptest::prop_assert_eq!(nfkc(&s).into_owned(), s.nfkc().collect::<String>());
        }

        /// The same, dense in characters that combine: kana with voicing marks (combining,
        /// spacing and half-width), the ideographic space.
        #[test]
        fn nfkc_shortcut_composes(s in "[カガはぱう\\u{3099}\\u{309A}゛゜ｶﾞﾟ\\u{3000}a]{0,6}") {
            proptest::prop_assert_eq!(nfkc(&s).into_owned(), s.nfkc().collect::<String>());
        }

        /// The borrowed shortcut of `code` gives what the whole rule gives: NFKC, blanks out.
        #[test]
        fn code_shortcut_is_the_rule(s in "[\\x00-\\x7F\u{3000}０-ｚ\u{200B}\u{FEFF}要介護]{0,10}") {
            let rule: String = s.nfkc().filter(|&c| !is_blank(c)).collect();
            proptest::prop_assert_eq!(code_cow(&s).into_owned(), rule);
        }
    }

    /// Full-width katakana, hiragana and the half-width form, one row of the gojūon at a time.
    const GOJUON: &[(&str, &str, &str)] = &[
        ("アイウエオ", "あいうえお", "ｱｲｳｴｵ"),
        ("カキクケコ", "かきくけこ", "ｶｷｸｹｺ"),
        ("サシスセソ", "さしすせそ", "ｻｼｽｾｿ"),
        ("タチツテト", "たちつてと", "ﾀﾁﾂﾃﾄ"),
        ("ナニヌネノ", "なにぬねの", "ﾅﾆﾇﾈﾉ"),
        ("ハヒフヘホ", "はひふへほ", "ﾊﾋﾌﾍﾎ"),
        ("マミムメモ", "まみむめも", "ﾏﾐﾑﾒﾓ"),
        ("ヤユヨ", "やゆよ", "ﾔﾕﾖ"),
        ("ラリルレロ", "らりるれろ", "ﾗﾘﾙﾚﾛ"),
        ("ワヲン", "わをん", "ﾜｦﾝ"),
        ("ガギグゲゴ", "がぎぐげご", "ｶﾞｷﾞｸﾞｹﾞｺﾞ"),
        ("ザジズゼゾ", "ざじずぜぞ", "ｻﾞｼﾞｽﾞｾﾞｿﾞ"),
        ("ダヂヅデド", "だぢづでど", "ﾀﾞﾁﾞﾂﾞﾃﾞﾄﾞ"),
        ("バビブベボ", "ばびぶべぼ", "ﾊﾞﾋﾞﾌﾞﾍﾞﾎﾞ"),
        ("パピプペポ", "ぱぴぷぺぽ", "ﾊﾟﾋﾟﾌﾟﾍﾟﾎﾟ"),
        ("ァィゥェォ", "ぁぃぅぇぉ", "ｧｨｩｪｫ"),
        ("ャュョッ", "ゃゅょっ", "ｬｭｮｯ"),
        ("ヴ", "ゔ", "ｳﾞ"),
    ];

    #[test]
    fn gojuon_table() {
        for &(katakana, hiragana, half) in GOJUON {
            assert_eq!(half_width_kana(katakana).as_deref(), Ok(half), "{katakana}");
            assert_eq!(half_width_kana(hiragana).as_deref(), Ok(half), "{hiragana}");
            // Already half-width input passes through unchanged.
            assert_eq!(half_width_kana(half).as_deref(), Ok(half), "{half}");
        }
    }

    /// Every katakana ァ (U+30A1) … ヺ (U+30FA) either converts to a form that NFKC turns back
    /// into the same character, or is one of the characters with no half-width form.
    #[test]
    fn whole_katakana_block_round_trips_through_nfkc() {
        let no_form = ['ヮ', 'ヰ', 'ヱ', 'ヵ', 'ヶ', 'ヸ', 'ヹ'];
        let mut converted = 0;
        for c in '\u{30A1}'..='\u{30FA}' {
            match half_width_kana(c.encode_utf8(&mut [0; 4])) {
                Ok(half) => {
                    assert!(!no_form.contains(&c), "{c} should have no half-width form");
                    assert!(
                        half.chars().all(|h| ('\u{FF61}'..='\u{FF9F}').contains(&h)),
                        "{c} → {half}"
                    );
                    let back: String = half.nfkc().collect();
                    assert_eq!(back, c.to_string(), "{c} → {half}");
                    converted += 1;
                }
                Err(e) => {
                    assert_eq!(e, c);
                    assert!(no_form.contains(&c), "{c} has a half-width form");
                }
            }
        }
        assert_eq!(converted, 90 - no_form.len());
    }

    /// Every hiragana ぁ (U+3041) … ゖ (U+3096) converts exactly as its katakana does, and
    /// reports itself (not the katakana) when it has no half-width form.
    #[test]
    fn whole_hiragana_block_matches_katakana() {
        for h in '\u{3041}'..='\u{3096}' {
            let k = char::from_u32(u32::from(h) + 0x60).unwrap_or(h);
            let from_h = half_width_kana(h.encode_utf8(&mut [0; 4]));
            let from_k = half_width_kana(k.encode_utf8(&mut [0; 4]));
            match (from_h, from_k) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{h} / {k}"),
                (Err(a), Err(b)) => {
                    assert_eq!(a, h);
                    assert_eq!(b, k);
                }
                (a, b) => panic!("{h}: {a:?}, {k}: {b:?}"),
            }
        }
    }

    #[test]
    fn whole_half_width_block_passes_through() {
        for c in '\u{FF61}'..='\u{FF9F}' {
            let s = c.to_string();
            assert_eq!(half_width_kana(&s), Ok(s.clone()));
        }
    }

    #[test]
    fn names_and_mixed_input() {
        let cases = [
            ("ミホン　イチロウ", "ﾐﾎﾝ ｲﾁﾛｳ"),
            ("みほん　いちろう", "ﾐﾎﾝ ｲﾁﾛｳ"),
            ("ﾐﾎﾝ ｲﾁﾛｳ", "ﾐﾎﾝ ｲﾁﾛｳ"),
            ("ミホン ｲﾁﾛｳ", "ﾐﾎﾝ ｲﾁﾛｳ"),
            ("やまだ　ハナコ", "ﾔﾏﾀﾞ ﾊﾅｺ"),
            ("キョウコ", "ｷｮｳｺ"),
            ("ハットリ", "ﾊｯﾄﾘ"),
            ("ジョージ・スミス", "ｼﾞｮｰｼﾞ･ｽﾐｽ"),
            ("ヴィヴィアン", "ｳﾞｨｳﾞｨｱﾝ"),
            ("パ", "ﾊﾟ"),
            ("ヷ ヺ", "ﾜﾞ ｦﾞ"),
            ("ｶﾞｯｺｳ", "ｶﾞｯｺｳ"),
            ("", ""),
            ("　", " "),
        ];
        for (input, want) in cases {
            assert_eq!(half_width_kana(input).as_deref(), Ok(want), "{input:?}");
        }
    }

    #[test]
    fn sound_marks_alone_and_combining() {
        // Decomposed (NFD) input: base + U+3099 / U+309A.
        assert_eq!(half_width_kana("カ\u{3099}").as_deref(), Ok("ｶﾞ"));
        assert_eq!(half_width_kana("は\u{309A}").as_deref(), Ok("ﾊﾟ"));
        assert_eq!(half_width_kana("ｶ\u{3099}").as_deref(), Ok("ｶﾞ"));
        // Stand-alone marks.
        assert_eq!(half_width_kana("カ゛ハ゜").as_deref(), Ok("ｶﾞﾊﾟ"));
    }

    #[test]
    fn errors_name_the_first_bad_character() {
        assert_eq!(half_width_kana("漢字"), Err('漢'));
        assert_eq!(half_width_kana("ヤマダ太郎"), Err('太'));
        assert_eq!(half_width_kana("ヶ"), Err('ヶ'));
        assert_eq!(half_width_kana("ヵ"), Err('ヵ'));
        assert_eq!(half_width_kana("ヰヱ"), Err('ヰ'));
        assert_eq!(half_width_kana("ヱ"), Err('ヱ'));
        assert_eq!(half_width_kana("ヮ"), Err('ヮ'));
        assert_eq!(half_width_kana("ゐ"), Err('ゐ'));
        assert_eq!(half_width_kana("ゑ"), Err('ゑ'));
        assert_eq!(half_width_kana("ゎ"), Err('ゎ'));
        assert_eq!(half_width_kana("ゕゖ"), Err('ゕ'));
        assert_eq!(half_width_kana("ヽ"), Err('ヽ'));
        assert_eq!(half_width_kana("ゞ"), Err('ゞ'));
        assert_eq!(half_width_kana("Yamada"), Err('Y'));
        assert_eq!(half_width_kana("ｱｲｳ1"), Err('1'));
        assert_eq!(half_width_kana("ヤマダ-タロウ"), Err('-'));
        assert_eq!(half_width_kana("ヤマダ\tタロウ"), Err('\t'));
        assert_eq!(half_width_kana("ＡＢ"), Err('Ａ'));
    }

    #[test]
    fn label_key_equalities() {
        let same = [
            ("要介護３", "要介護3"),
            ("認定有効期間－開始日", "認定有効期間-開始日"),
            ("認定有効期間‐開始日", "認定有効期間-開始日"),
            ("認定有効期間―開始日", "認定有効期間-開始日"),
            ("認定有効期間−開始日", "認定有効期間-開始日"),
            ("認定有効期間﹣開始日", "認定有効期間-開始日"),
            (" 被保険者番号　", "被保険者番号"),
            ("被保険者 番号", "被保険者番号"),
            ("\u{FEFF}被保険者番号", "被保険者番号"),
            ("Ⅱa", "Ⅱａ"),
            ("Ⅱa", "IIa"),
            ("Ⅱa", "ⅱa"),
            ("Ⅱa", "iia"),
            ("Ⅲb", "IIIB"),
            ("Ⅳ", "IV"),
            ("ADL", "ａｄｌ"),
            ("9:00～17:00", "9:00〜17:00"),
            ("9:00～17:00", "9:00~17:00"),
            ("ｶﾅ", "カナ"),
        ];
        for (a, b) in same {
            assert_eq!(label_key(a), label_key(b), "{a:?} vs {b:?}");
        }
        let different = [
            ("要介護1", "要介護2"),
            ("Ⅱa", "Ⅱb"),
            ("Ⅱ", "Ⅲ"),
            ("要支援1", "要介護1"),
            // The long vowel mark is not a dash.
            ("ケアマネージャー", "ケアマネ-ジャ-"),
        ];
        for (a, b) in different {
            assert_ne!(label_key(a), label_key(b), "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn label_key_values() {
        assert_eq!(label_key("要介護３"), "要介護3");
        assert_eq!(label_key(" 被保険者番号　"), "被保険者番号");
        assert_eq!(label_key("認定有効期間－開始日"), "認定有効期間-開始日");
        assert_eq!(label_key("Ⅱa"), "iia");
        assert_eq!(label_key("Ⅳ"), "iv");
        assert_eq!(label_key("Ｂａｒｔｈｅｌ Index"), "barthelindex");
        assert_eq!(label_key("A〜B"), "a~b");
        assert_eq!(label_key(""), "");
        assert_eq!(label_key("　 \t"), "");
    }

    #[test]
    fn code_values() {
        assert_eq!(code("０１２３"), "0123");
        assert_eq!(code("　２３ "), "23");
        assert_eq!(code("要介護３"), "要介護3");
        assert_eq!(code(" 12 34 "), "1234");
        assert_eq!(code("１２　３４"), "1234");
        assert_eq!(code("Ａ１"), "A1");
        assert_eq!(code("\u{FEFF}0123"), "0123");
        assert_eq!(code("abc"), "abc");
        assert_eq!(code(""), "");
        assert_eq!(code("　"), "");
    }
}
