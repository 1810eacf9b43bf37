// The shop's language switch (a separate file: the demo pages run under a strict CSP without inline scripts).
// The widget follows its `lang` attribute; the choice is shared with the CRM and the board (localStorage).
const LANGUAGE_KEY = 'helpline-demo:lang';
const select = document.getElementById('shop-language');
const shipped = [...select.options].map((option) => option.value);
const saved = localStorage.getItem(LANGUAGE_KEY);
select.value = shipped.includes(saved) ? saved : 'en';

function applyLanguage() {
  // The loader may not have created <helpline-widget> yet; it reads <html lang> when it starts.
  document.documentElement.lang = select.value;
  document.querySelector('helpline-widget')?.setAttribute('lang', select.value);
}

applyLanguage();
select.addEventListener('change', () => {
  localStorage.setItem(LANGUAGE_KEY, select.value);
  applyLanguage();
});
