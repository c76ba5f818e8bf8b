package main

import (
	"strings"
	"testing"

	"github.com/google/uuid"
)

func TestGreeting(t *testing.T) {
	id := uuid.MustParse("6ba7b810-9dad-11d1-80b4-00c04fd430c8")
	got := greeting("tester", id)
	want := "Hello, tester! (request 6ba7b810-9dad-11d1-80b4-00c04fd430c8, UUID version 1)"
	if got != want {
		t.Fatalf("greeting() = %q, want %q", got, want)
	}
}

func TestNewUUIDIsVersion4(t *testing.T) {
	if v := uuid.New().Version(); v != 4 {
		t.Fatalf("uuid.New().Version() = %d, want 4", v)
	}
	if !strings.Contains(greeting("x", uuid.New()), "UUID version 4") {
		t.Fatal("greeting does not report version 4")
	}
}
