//! Random values of component-model types, and smaller versions of a value: the raw
//! material of differential testing. Seeded, so a run can be repeated exactly.

use wasmtime::component::types::Type;
use wasmtime::component::Val;

/// A small, seedable pseudo-random generator (SplitMix64): reproducible across platforms.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    fn chance(&mut self, one_in: u64) -> bool {
        self.below(one_in) == 0
    }
}

/// Whether values of `ty` can be generated (resources, futures and streams cannot).
pub fn supported(ty: &Type) -> bool {
    match ty {
        Type::List(l) => supported(&l.ty()),
        Type::Record(r) => r.fields().all(|f| supported(&f.ty)),
        Type::Tuple(t) => t.types().all(|t| supported(&t)),
        Type::Variant(v) => v.cases().all(|c| c.ty.as_ref().is_none_or(supported)),
        Type::Option(o) => supported(&o.ty()),
        Type::Result(r) => {
            r.ok().as_ref().is_none_or(supported) && r.err().as_ref().is_none_or(supported)
        }
        Type::Own(_) | Type::Borrow(_) | Type::Future(_) | Type::Stream(_) | Type::ErrorContext => {
            false
        }
        Type::Map(_) | Type::FixedLengthList(_) => false,
        _ => true,
    }
}

/// A random value of `ty`. `size` bounds lengths (of strings and lists) and depth.
pub fn value(ty: &Type, rng: &mut Rng, size: u64) -> Val {
    match ty {
        Type::Bool => Val::Bool(rng.chance(2)),
        Type::S8 => Val::S8(int(rng) as i8),
        Type::U8 => Val::U8(int(rng) as u8),
        Type::S16 => Val::S16(int(rng) as i16),
        Type::U16 => Val::U16(int(rng) as u16),
        Type::S32 => Val::S32(int(rng) as i32),
        Type::U32 => Val::U32(int(rng) as u32),
        Type::S64 => Val::S64(int(rng) as i64),
        Type::U64 => Val::U64(int(rng)),
        Type::Float32 => Val::Float32(float(rng) as f32),
        Type::Float64 => Val::Float64(float(rng)),
        Type::Char => Val::Char(char_value(rng)),
        Type::String => {
            let len = rng.below(size + 1);
            Val::String((0..len).map(|_| char_value(rng)).collect())
        }
        Type::List(l) => {
            let len = rng.below(size / 2 + 1);
            let elem = l.ty();
            Val::List((0..len).map(|_| value(&elem, rng, size / 2)).collect())
        }
        Type::Record(r) => Val::Record(
            r.fields()
                .map(|f| (f.name.to_string(), value(&f.ty, rng, size / 2)))
                .collect(),
        ),
        Type::Tuple(t) => Val::Tuple(t.types().map(|t| value(&t, rng, size / 2)).collect()),
        Type::Variant(v) => {
            let cases: Vec<_> = v.cases().collect();
            let case = &cases[rng.below(cases.len() as u64) as usize];
            Val::Variant(
                case.name.to_string(),
                case.ty.as_ref().map(|t| Box::new(value(t, rng, size / 2))),
            )
        }
        Type::Enum(e) => {
            let names: Vec<&str> = e.names().collect();
            Val::Enum(names[rng.below(names.len() as u64) as usize].to_string())
        }
        Type::Option(o) => {
            Val::Option((!rng.chance(3)).then(|| Box::new(value(&o.ty(), rng, size / 2))))
        }
        Type::Result(r) => {
            if rng.chance(2) {
                Val::Result(Ok(r.ok().map(|t| Box::new(value(&t, rng, size / 2)))))
            } else {
                Val::Result(Err(r.err().map(|t| Box::new(value(&t, rng, size / 2)))))
            }
        }
        Type::Flags(f) => Val::Flags(
            f.names()
                .filter(|_| rng.chance(2))
                .map(str::to_string)
                .collect(),
        ),
        // `supported` keeps these out.
        _ => Val::Bool(false),
    }
}

/// Integers lean towards the edges, where implementations disagree most.
fn int(rng: &mut Rng) -> u64 {
    match rng.below(8) {
        0 => 0,
        1 => u64::MAX,
        2 => 1 << rng.below(64),
        3 => rng.below(256),
        _ => rng.next_u64(),
    }
}

fn float(rng: &mut Rng) -> f64 {
    match rng.below(8) {
        0 => 0.0,
        1 => -0.0,
        2 => f64::INFINITY,
        3 => f64::NAN,
        _ => (rng.next_u64() as i64 as f64) / (1u64 << rng.below(63)) as f64,
    }
}

fn char_value(rng: &mut Rng) -> char {
    const ALPHABET: &[char] = &[
        'a', 'z', 'A', ' ', '0', '-', '_', 'é', 'ß', '€', '日', '😀', '\n', '"',
    ];
    if rng.chance(2) {
        ALPHABET[rng.below(ALPHABET.len() as u64) as usize]
    } else {
        char::from_u32(rng.below(0x11_0000) as u32).unwrap_or('x')
    }
}

/// Values "smaller" than `v`, most aggressive first: shorter strings and lists, integers
/// closer to zero, simpler cases. Shrinking tries these in turn.
pub fn shrink(v: &Val) -> Vec<Val> {
    match v {
        Val::Bool(true) => vec![Val::Bool(false)],
        Val::S8(n) => ints(*n as i64).map(|x| Val::S8(x as i8)).collect(),
        Val::U8(n) => uints(*n as u64).map(|x| Val::U8(x as u8)).collect(),
        Val::S16(n) => ints(*n as i64).map(|x| Val::S16(x as i16)).collect(),
        Val::U16(n) => uints(*n as u64).map(|x| Val::U16(x as u16)).collect(),
        Val::S32(n) => ints(*n as i64).map(|x| Val::S32(x as i32)).collect(),
        Val::U32(n) => uints(*n as u64).map(|x| Val::U32(x as u32)).collect(),
        Val::S64(n) => ints(*n).map(Val::S64).collect(),
        Val::U64(n) => uints(*n).map(Val::U64).collect(),
        Val::Float32(f) if *f != 0.0 => vec![Val::Float32(0.0), Val::Float32(f.trunc())],
        Val::Float64(f) if *f != 0.0 => vec![Val::Float64(0.0), Val::Float64(f.trunc())],
        Val::Char(c) if *c != 'a' => vec![Val::Char('a')],
        Val::String(s) => {
            let chars: Vec<char> = s.chars().collect();
            shrink_seq(&chars, |c| {
                shrink(&Val::Char(*c))
                    .into_iter()
                    .filter_map(|v| match v {
                        Val::Char(c) => Some(c),
                        _ => None,
                    })
                    .collect()
            })
            .into_iter()
            .map(|cs| Val::String(cs.into_iter().collect()))
            .collect()
        }
        Val::List(items) => shrink_seq(items, shrink)
            .into_iter()
            .map(Val::List)
            .collect(),
        Val::Record(fields) => (0..fields.len())
            .flat_map(|i| {
                shrink(&fields[i].1)
                    .into_iter()
                    .map(move |smaller| (i, smaller))
            })
            .map(|(i, smaller)| {
                let mut f = fields.clone();
                f[i].1 = smaller;
                Val::Record(f)
            })
            .collect(),
        Val::Tuple(items) => (0..items.len())
            .flat_map(|i| {
                shrink(&items[i])
                    .into_iter()
                    .map(move |smaller| (i, smaller))
            })
            .map(|(i, smaller)| {
                let mut t = items.clone();
                t[i] = smaller;
                Val::Tuple(t)
            })
            .collect(),
        Val::Variant(case, Some(payload)) => shrink(payload)
            .into_iter()
            .map(|p| Val::Variant(case.clone(), Some(Box::new(p))))
            .collect(),
        Val::Option(Some(inner)) => {
            let mut out = vec![Val::Option(None)];
            out.extend(
                shrink(inner)
                    .into_iter()
                    .map(|v| Val::Option(Some(Box::new(v)))),
            );
            out
        }
        Val::Result(Ok(Some(inner))) => shrink(inner)
            .into_iter()
            .map(|v| Val::Result(Ok(Some(Box::new(v)))))
            .collect(),
        Val::Result(Err(Some(inner))) => shrink(inner)
            .into_iter()
            .map(|v| Val::Result(Err(Some(Box::new(v)))))
            .collect(),
        Val::Flags(names) if !names.is_empty() => (0..names.len())
            .map(|i| {
                let mut n = names.clone();
                n.remove(i);
                Val::Flags(n)
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn ints(n: i64) -> impl Iterator<Item = i64> {
    let candidates = if n == 0 {
        vec![]
    } else {
        vec![0, n / 2, n - n.signum()]
    };
    dedup(candidates, n).into_iter()
}

fn uints(n: u64) -> impl Iterator<Item = u64> {
    let candidates = if n == 0 {
        vec![]
    } else {
        vec![0, n / 2, n - 1]
    };
    dedup(candidates, n).into_iter()
}

fn dedup<T: PartialEq + Copy>(candidates: Vec<T>, original: T) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for c in candidates {
        if c != original && !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

/// Shorter sequences (empty, halves, one element removed), then one element shrunk.
fn shrink_seq<T: Clone>(items: &[T], shrink_item: impl Fn(&T) -> Vec<T>) -> Vec<Vec<T>> {
    let mut out = Vec::new();
    if items.is_empty() {
        return out;
    }
    out.push(Vec::new());
    if items.len() > 1 {
        out.push(items[..items.len() / 2].to_vec());
        out.push(items[items.len() / 2..].to_vec());
    }
    for i in 0..items.len().min(16) {
        let mut v = items.to_vec();
        v.remove(i);
        out.push(v);
    }
    for i in 0..items.len().min(16) {
        for smaller in shrink_item(&items[i]) {
            let mut v = items.to_vec();
            v[i] = smaller;
            out.push(v);
        }
    }
    out
}

/// Shrinks `params` while `still_fails` holds, greedily, within `budget` attempts.
pub fn minimize(
    params: Vec<Val>,
    budget: usize,
    mut still_fails: impl FnMut(&[Val]) -> bool,
) -> Vec<Val> {
    let mut current = params;
    let mut tries = 0;
    'outer: loop {
        for i in 0..current.len() {
            for smaller in shrink(&current[i]) {
                tries += 1;
                if tries > budget {
                    break 'outer;
                }
                let mut candidate = current.clone();
                candidate[i] = smaller;
                if still_fails(&candidate) {
                    current = candidate;
                    continue 'outer;
                }
            }
        }
        break;
    }
    current
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_numbers() {
        let a: Vec<u64> = {
            let mut r = Rng::new(7);
            (0..5).map(|_| r.next_u64()).collect()
        };
        let b: Vec<u64> = {
            let mut r = Rng::new(7);
            (0..5).map(|_| r.next_u64()).collect()
        };
        assert_eq!(a, b);
        assert_ne!(a, {
            let mut r = Rng::new(8);
            (0..5).map(|_| r.next_u64()).collect::<Vec<_>>()
        });
    }

    #[test]
    fn minimize_finds_the_smallest_failing_string() {
        // "Fails" when the string holds a 'z': the minimum is "z" alone (or a single char).
        let start = vec![Val::String("abczdef".into()), Val::U32(1000)];
        let fails = |p: &[Val]| matches!(&p[0], Val::String(s) if s.contains('z'));
        let min = minimize(start, 1000, fails);
        assert_eq!(min[0], Val::String("z".into()));
        assert_eq!(min[1], Val::U32(0));
    }

    #[test]
    fn shrinking_ints_moves_towards_zero() {
        assert_eq!(
            shrink(&Val::S32(-10)),
            vec![Val::S32(0), Val::S32(-5), Val::S32(-9)]
        );
        assert!(shrink(&Val::U8(0)).is_empty());
    }
}
