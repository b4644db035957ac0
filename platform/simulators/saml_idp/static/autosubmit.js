// Posts the SAML message on without a click; the button is there for browsers without scripts.
document.getElementById("saml-post").submit();
