"""The tiny test model loads through the same from_pretrained path users take and really generates."""

from transformers import AutoModelForSeq2SeqLM, AutoTokenizer


def test_tiny_model_generates_varied_english(tiny_model):
    tokenizer = AutoTokenizer.from_pretrained(str(tiny_model))
    model = AutoModelForSeq2SeqLM.from_pretrained(str(tiny_model))
    assert type(model).__name__ == "MarianMTModel"
    sources = ["Il governo ha deciso di aumentare le tasse.", "Oggi piove a Roma."]
    out = model.generate(**tokenizer(sources, return_tensors="pt", padding=True), max_new_tokens=20)
    texts = tokenizer.batch_decode(out, skip_special_tokens=True)
    assert all(texts) and texts[0] != texts[1]
