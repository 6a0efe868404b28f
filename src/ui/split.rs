//! Code the first visit does without. In the site's page build (`--cfg genlab_split`, set
//! by `cargo xtask build`) a function declared with [`later_fn!`] goes into a wasm chunk of
//! its own, cut out after linking and downloaded at its first call; in every other build
//! it is an ordinary call, so tests reach the same code.

/// A chunk of the page that could not be downloaded (offline, or a failed request).
#[derive(Debug)]
pub struct ChunkFailed;

#[cfg(genlab_split)]
impl From<leptos::wasm_split::SplitLoaderError> for ChunkFailed {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        ChunkFailed
    }
}

/// `later_fn!(chunk, fn name(args) -> T { body })` declares `async fn name(args) ->
/// Result<T, ChunkFailed>`, whose body lives in wasm chunk `chunk` in the site's build. The
/// body cannot be async: a future it starts is returned boxed.
macro_rules! later_fn {
    ($chunk:ident, fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $out:ty $body:block) => {
        #[cfg(genlab_split)]
        #[leptos::wasm_split::wasm_split($chunk, fallible, wasm_split_path = ::leptos::wasm_split)]
        fn $name($($arg: $ty),*) -> Result<$out, $crate::ui::split::ChunkFailed> {
            Ok($body)
        }
        #[cfg(not(genlab_split))]
        async fn $name($($arg: $ty),*) -> Result<$out, $crate::ui::split::ChunkFailed> {
            Ok($body)
        }
    };
}
pub(crate) use later_fn;
