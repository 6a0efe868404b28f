//! An exercise on the page: the question, an answer box (a number, a choice, or a goal
//! read live from the widgets), a hint, and the worked answer after two wrong tries.
//! Judging is `lessons::exercise`'s; this only wires it to the reader and the progress.

use super::app::ProgressStore;
use super::widgets::Shared;
use crate::lessons;
use crate::lessons::exercise::{fill, Check, Exercise, Verdict, TRIES_BEFORE_SOLUTION};
use crate::plot::fmt_num;
use leptos::prelude::*;

#[component]
pub fn ExerciseBox(lesson: usize, exercise: Exercise) -> impl IntoView {
    let progress = expect_context::<ProgressStore>();
    let facts = expect_context::<Shared>().facts;
    let lid = lessons::all()[lesson].doc.id.clone();
    let id = exercise.id.clone();
    let solved = {
        let (lid, id) = (lid.clone(), id.clone());
        Memo::new(move |_| progress.0.with(|p| p.is_solved(&lid, &id)))
    };
    let tries = RwSignal::new(0u32);
    let verdict = RwSignal::new(None::<Verdict>);
    let show_hint = RwSignal::new(false);
    let show_solution = RwSignal::new(false);
    let typed = RwSignal::new(String::new());
    let picked = RwSignal::new(None::<usize>);
    let ex = StoredValue::new(exercise);
    let text = move |pick: fn(&Exercise) -> &String| {
        move || facts.with(|f| ex.with_value(|e| fill(pick(e), f, fmt_num)))
    };
    let record = {
        let id = id.clone();
        move |v: Verdict| {
            match v {
                Verdict::Right => progress.solve(lesson, &id),
                Verdict::Wrong(_) => tries.update(|t| *t += 1),
                Verdict::Unjudged(_) => {}
            }
            verdict.set(Some(v));
        }
    };
    let check = {
        let record = record.clone();
        move || {
            let v = facts.with_untracked(|f| {
                ex.with_value(|e| match &e.check {
                    Check::Number { .. } => e.check.judge_number(&typed.get_untracked(), f),
                    Check::Choice { .. } => e.check.judge_choice(picked.get_untracked()),
                    Check::Goal(_) => e.check.judge_goal(f),
                })
            });
            record(v);
        }
    };
    // A goal is met the moment the widget reaches it.
    if ex.with_value(|e| matches!(e.check, Check::Goal(_))) {
        let id = id.clone();
        Effect::new(move |_| {
            let met = facts.with(|f| ex.with_value(|e| e.check.judge_goal(f))) == Verdict::Right;
            if met && !solved.get_untracked() {
                progress.solve(lesson, &id);
                verdict.set(Some(Verdict::Right));
            }
        });
    }
    let answer_box = {
        let check = check.clone();
        let name = format!("exercise-{lid}-{id}");
        ex.with_value(|e| match &e.check {
            Check::Number { .. } => {
                let check2 = check.clone();
                view! {
                    <div class="exercise-answer">
                        <label>
                            "Your answer "
                            <input type="text" inputmode="decimal" autocomplete="off" data-testid="exercise-input"
                                prop:value=move || typed.get()
                                on:input=move |ev| typed.set(event_target_value(&ev))
                                on:keydown=move |ev| if ev.key() == "Enter" { check2() }/>
                        </label>
                        <button class="primary" data-testid="exercise-check" on:click=move |_| check()>"Check"</button>
                    </div>
                }
                .into_any()
            }
            Check::Choice { options, .. } => {
                let radios = options
                    .iter()
                    .enumerate()
                    .map(|(i, o)| {
                        view! {
                            <label class="exercise-option">
                                <input type="radio" name=name.clone() data-testid="exercise-option"
                                    prop:checked=move || picked.get() == Some(i)
                                    on:change=move |_| picked.set(Some(i))/>
                                <span inner_html=o.clone()></span>
                            </label>
                        }
                    })
                    .collect::<Vec<_>>();
                view! {
                    <fieldset class="exercise-answer">
                        <legend class="visually-hidden">"Answers"</legend>
                        {radios}
                        <button class="primary" data-testid="exercise-check" on:click=move |_| check()>"Check"</button>
                    </fieldset>
                }
                .into_any()
            }
            Check::Goal(_) => view! {
                <div class="exercise-answer">
                    <span class="muted">"Checked as you use the widget above. "</span>
                    <button data-testid="exercise-check" on:click=move |_| check()>"Check now"</button>
                </div>
            }
            .into_any(),
        })
    };
    let verdict_view = move || {
        let (class, words) = match verdict.get() {
            _ if solved.get() => ("verdict right", "Solved ✓".to_string()),
            Some(Verdict::Right) => ("verdict right", "Right ✓".to_string()),
            Some(Verdict::Wrong(w)) => ("verdict wrong", w),
            Some(Verdict::Unjudged(w)) => ("verdict", w),
            None => ("verdict", String::new()),
        };
        view! { <p class=class role="status" aria-live="polite" data-testid="exercise-verdict">{words}</p> }
    };
    let can_see_solution = move || solved.get() || tries.get() >= TRIES_BEFORE_SOLUTION;
    let waiting_for_solution = move || !can_see_solution() && tries.get() != 0;
    view! {
        <section class="exercise" data-testid="exercise" data-exercise=id.clone()
            data-solved=move || solved.get().to_string()>
            <h2>"Exercise"</h2>
            <div class="prose" inner_html=text(|e| &e.ask)></div>
            {answer_box}
            {verdict_view}
            <div class="exercise-help">
                <button class="small" data-testid="exercise-hint" aria-expanded=move || show_hint.get().to_string()
                    on:click=move |_| show_hint.update(|v| *v = !*v)>"Hint"</button>
                <Show when=can_see_solution>
                    <button class="small" data-testid="exercise-show-solution" aria-expanded=move || show_solution.get().to_string()
                        on:click=move |_| show_solution.update(|v| *v = !*v)>"Worked answer"</button>
                </Show>
                <Show when=waiting_for_solution>
                    <span class="muted small">"The worked answer opens after two tries."</span>
                </Show>
            </div>
            <Show when=move || show_hint.get()>
                <div class="prose hint" data-testid="exercise-hint-text" inner_html=text(|e| &e.hint)></div>
            </Show>
            <Show when=move || show_solution.get() && can_see_solution()>
                <div class="prose solution" data-testid="exercise-solution" inner_html=text(|e| &e.solution)></div>
            </Show>
        </section>
    }
}
