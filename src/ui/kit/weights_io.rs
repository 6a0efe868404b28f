//! A model's weights taken out and brought in, under its training panel: save the file as
//! it is, export it in PyTorch's module layout (with the Python that loads it), or open a
//! safetensors file in place of the current weights (refused with the first mismatch, and
//! then nothing changes).

use crate::ui::browser;
use crate::ui::training::ModelHandle;
use leptos::prelude::*;

/// Largest weights file opened: the largest network here is a few MB.
const MAX_BYTES: usize = 64 * 1024 * 1024;

/// Why a file of `bytes` bytes is not opened as weights, if it is too large.
fn too_large(bytes: usize) -> Option<String> {
    (bytes > MAX_BYTES).then(|| {
        format!(
            "This file is {:.0} MB; weights files here are a few MB at most.",
            bytes as f64 / 1024.0 / 1024.0
        )
    })
}

#[component]
pub fn WeightsIo(model: ModelHandle) -> impl IntoView {
    let name = model.name;
    let has_weights = move || model.has_weights();
    let import = move |ev: web_sys::Event| {
        let Some(input) = browser::input_of(&ev) else {
            return;
        };
        leptos::task::spawn_local(async move {
            match browser::chosen_bytes(&input, too_large).await {
                Ok(Some(bytes)) => model.import_weights(bytes),
                Ok(None) => {}
                Err(e) => model.io_message.set(Some(Err(format!(
                    "{e} Nothing changed: the model keeps its weights."
                )))),
            }
            input.set_value("");
        });
    };
    let copied = RwSignal::new(false);
    view! {
        <details class="weights-io" data-testid=format!("weights-io-{name}")>
            <summary>"Take the weights out, or bring your own"</summary>
            <div class="controls">
                <button data-testid=format!("save-weights-{name}") disabled=move || !has_weights()
                    on:click=move |_| model.save_weights()>"Save weights (.safetensors)"</button>
                <button data-testid=format!("export-torch-{name}") disabled=move || !has_weights()
                    on:click=move |_| model.export_torch()>"Export for PyTorch"</button>
                <label class="button">
                    "Open a weights file"
                    <input type="file" accept=".safetensors" class="visually-hidden"
                        data-testid=format!("import-weights-{name}") on:change=import/>
                </label>
            </div>
            {move || model.io_message.get().map(|m| match m {
                Ok(t) => view! { <p class="muted" role="status" data-testid=format!("weights-io-message-{name}")>{t}</p> }.into_any(),
                Err(e) => view! { <p class="error" role="alert" data-testid=format!("weights-io-message-{name}")>{e}</p> }.into_any(),
            })}
            {move || model.python.get().map(|code| {
                let code2 = code.clone();
                view! {
                    <p class="muted small">
                        "In PyTorch (with pip's " <code>"safetensors"</code>
                        "), this builds a module with exactly these names and shapes and loads the file strictly. Linear weights are stored [out, in] and norm gains [C], as PyTorch keeps them; the forward pass is the one this lesson describes."
                    </p>
                    <pre class="code" data-testid=format!("torch-code-{name}")>{code}</pre>
                    <button class="small" on:click=move |_| copied.set(browser::copy_text(&code2))>
                        {move || if copied.get() { "Copied" } else { "Copy the Python" }}
                    </button>
                }
            })}
        </details>
    }
}
