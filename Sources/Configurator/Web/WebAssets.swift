/// The configurator's own style and script, served from /static (no inline script or style: the content security
/// policy forbids them). The script is a convenience: every page works without it.
enum WebAssets {
    static let css = """
        body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 60rem; padding: 1rem; color: #222; }
        header { display: flex; justify-content: space-between; align-items: baseline; flex-wrap: wrap; gap: .5rem; }
        h1 { font-size: 1.4rem; margin: .2rem 0; }
        nav a, nav button { margin-right: .6rem; }
        section.ini { border: 1px solid #ccc; border-radius: 6px; padding: .6rem 1rem; margin: 1rem 0; }
        section.ini h2 { font-size: 1.1rem; margin: .2rem 0 .6rem; }
        .field { display: grid; grid-template-columns: 11rem 1fr; gap: .2rem 1rem; margin: .4rem 0; }
        .field label { font-family: monospace; font-weight: bold; }
        .field input, .field select { width: 100%; box-sizing: border-box; }
        .field .help label { font-family: inherit; font-weight: normal; }
        .field input[type=checkbox] { width: auto; }
        .help { grid-column: 2; font-size: .85rem; color: #555; }
        .problem { grid-column: 2; color: #a00; font-weight: bold; }
        .problem.warning { color: #a60; }
        .notice { background: #eef6ee; border: 1px solid #9c9; padding: .5rem 1rem; }
        .notice.bad { background: #fbeeee; border-color: #c99; }
        pre.output { background: #f4f4f4; padding: .6rem; overflow-x: auto; white-space: pre-wrap; }
        .tools { display: flex; flex-wrap: wrap; gap: 1rem; }
        .tools form { border: 1px solid #ddd; border-radius: 6px; padding: .5rem; }
        .required label::after { content: " *"; color: #a00; }
        button.danger { color: #a00; }
        """

    static let javascript = """
        'use strict';
        // Asks before removing a section or discarding the draft; marks fields changed since the page loaded.
        document.addEventListener('DOMContentLoaded', () => {
          for (const button of document.querySelectorAll('button[data-confirm]')) {
            button.addEventListener('click', (event) => {
              if (!window.confirm(button.getAttribute('data-confirm'))) event.preventDefault();
            });
          }
          for (const input of document.querySelectorAll('form#config input, form#config select')) {
            input.addEventListener('change', () => input.classList.add('changed'));
          }
        });
        """
}
