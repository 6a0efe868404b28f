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

/// A view whose code is in a chunk: `load` brings its maker; `waiting` shows until then,
/// and `failed` if the chunk cannot be downloaded.
pub fn from_chunk(
    load: impl std::future::Future<Output = Result<fn() -> leptos::prelude::AnyView, ChunkFailed>>
        + 'static,
    waiting: fn() -> leptos::prelude::AnyView,
    failed: fn() -> leptos::prelude::AnyView,
) -> impl leptos::prelude::IntoView {
    use leptos::prelude::*;
    let made = RwSignal::new(None::<Option<fn() -> AnyView>>);
    leptos::task::spawn_local(async move {
        let _ = made.try_set(Some(load.await.ok()));
    });
    move || match made.get() {
        None => waiting(),
        Some(Some(make)) => make(),
        Some(None) => failed(),
    }
}
